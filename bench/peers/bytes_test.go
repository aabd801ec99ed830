package peers

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"mailbell/internal/testenv/dovecottest"
	"mailbell/internal/testenv/faultproxy"

	"mailbell/bench/bareclient"
)

// bytesMessages are delivered one at a time; each client's cost per message
// is the median.
const bytesMessages = 7

// ordinaryMessage is a message as mail looks today: a relay chain of
// Received headers, DKIM and ARC signatures, list headers, and a
// multipart/alternative body with a plain and an HTML part. About 30 KB.
func ordinaryMessage(subject string, i int) []byte {
	var b bytes.Buffer
	crlf := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	date := time.Now().Format(time.RFC1123Z)
	for hop := range 4 {
		crlf("Received: from mx%d.relay.example.net (mx%d.relay.example.net [192.0.2.%d])", hop, hop, 10+hop)
		crlf("\tby mx%d.example.com (Postfix) with ESMTPS id 4Zx%05dQ%d", hop+1, i, hop)
		crlf("\tfor <%s@example.com>; %s", benchUser, date)
	}
	sig := strings.Repeat("dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBidXQgaXQgaXMgYXMgbG9uZyBhcyBvbmUg", 5)
	crlf("ARC-Seal: i=1; a=rsa-sha256; t=1700000000; cv=none; d=relay.example.net; s=arc;\r\n\tb=%s", sig)
	crlf("ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=relay.example.net; s=arc;\r\n\th=from:to:subject:date:message-id; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n\tb=%s", sig)
	crlf("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net; s=mail;\r\n\th=from:to:subject:date:message-id:mime-version; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n\tb=%s", sig)
	crlf("Authentication-Results: mx1.example.com; dkim=pass header.d=example.net; spf=pass smtp.mailfrom=example.net; dmarc=pass")
	crlf("From: Ann Example <ann@example.net>")
	crlf("To: Bench User <%s@example.com>", benchUser)
	crlf("Cc: Team <team@example.net>, Bob Other <bob@example.org>")
	crlf("Subject: %s", subject)
	crlf("Date: %s", date)
	crlf("Message-ID: <%d.%d.bench@example.net>", time.Now().UnixNano(), i)
	crlf("List-Id: Team discussion <team.example.net>")
	crlf("List-Unsubscribe: <https://lists.example.net/unsubscribe/team>, <mailto:team-leave@example.net>")
	crlf("MIME-Version: 1.0")
	crlf("Content-Type: multipart/alternative; boundary=\"b1_bench\"")
	crlf("")
	para := "Hello team, here are this week's notes. We went through the open items, agreed on the next steps and " +
		"moved two tasks to next week. Please read the attached summary before Thursday's meeting. "
	crlf("--b1_bench")
	crlf("Content-Type: text/plain; charset=utf-8")
	crlf("Content-Transfer-Encoding: 7bit")
	crlf("")
	for range 40 {
		crlf("%s", para)
	}
	crlf("--b1_bench")
	crlf("Content-Type: text/html; charset=utf-8")
	crlf("Content-Transfer-Encoding: 7bit")
	crlf("")
	crlf("<html><head><style>p{font-family:Arial,sans-serif;font-size:14px;color:#222}</style></head><body>")
	for range 40 {
		crlf("<p class=\"notes\" style=\"margin:0 0 12px 0\">%s</p>", para)
	}
	crlf("</body></html>")
	crlf("--b1_bench--")
	return b.Bytes()
}

// BenchmarkBytesPerMessage: the bytes one ordinary new message costs on
// the wire, for Mailbell (the binary, headless), the bare client (UID FETCH
// ENVELOPE) and a naive client that fetches the whole message (BODY.PEEK[]).
// Plain IMAP through a counting proxy per client.
func BenchmarkBytesPerMessage(b *testing.B) {
	for range b.N {
		bytesRun(b)
	}
}

func bytesRun(b *testing.B) {
	out := outDir(b)
	logDir := filepath.Join(out, "logs", "bytes")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		b.Fatal(err)
	}
	bin := mailbellBinary(b)
	srv := dovecottest.StartT(b, dovecottest.Options{Users: map[string]string{benchUser: benchPass}})
	// Some mail already there, as in any INBOX.
	if err := srv.FillMaildir(benchUser, "INBOX", 200, 5); err != nil {
		b.Fatal(err)
	}
	settleFolder(b, srv, "INBOX")
	work := b.TempDir()

	pxMB, pxBare, pxNaive := newProxy(b, srv.Addr()), newProxy(b, srv.Addr()), newProxy(b, srv.Addr())
	cfgDir := filepath.Join(work, "mailbell")
	writeMailbellConfig(b, cfgDir, mbAccount{ID: "bench", Host: "127.0.0.1", Port: pxMB.Port(), Security: "plain",
		Username: benchUser, PasswordCommand: passwordFile(b, filepath.Join(work, "secret"), benchUser, benchPass)})
	mb := startMailbell(b, "mailbell-bytes", bin, os.Environ(), logDir, "--headless", "--config-dir", cfgDir)
	plain := func(px *faultproxy.Proxy) func(*imapclient.Options) (*imapclient.Client, error) {
		return func(o *imapclient.Options) (*imapclient.Client, error) { return imapclient.DialInsecure(px.Addr(), o) }
	}
	bareArr, naiveArr := bareclient.NewArrivals(), bareclient.NewArrivals()
	stopBare := startBare(b, plain(pxBare), benchUser, benchPass, "INBOX", false, bareArr.Note)
	stopNaive := startBare(b, plain(pxNaive), benchUser, benchPass, "INBOX", true, naiveArr.Note)
	if _, err := mb.waitIdle(time.Minute, 1); err != nil {
		b.Fatal(err)
	}

	const (
		cMB    = "Mailbell (UID FETCH envelope, flags, date; ESEARCH count)"
		cBare  = "bare go-imap (UID FETCH ENVELOPE)"
		cNaive = "naive (UID FETCH BODY.PEEK[])"
	)
	proxies := map[string]*faultproxy.Proxy{cMB: pxMB, cBare: pxBare, cNaive: pxNaive}
	ins, outs := map[string][]int64{}, map[string][]int64{}
	size := 0
	for i := range bytesMessages + 1 {
		before := map[string][2]int64{}
		for c, p := range proxies {
			in, o := settleBytes(p)
			before[c] = [2]int64{in, o}
		}
		subject := fmt.Sprintf("Weekly notes %d", i)
		msg := ordinaryMessage(subject, i)
		size = len(msg)
		if err := srv.Deliver(benchUser, "INBOX", msg); err != nil {
			b.Fatal(err)
		}
		if err := mb.waitNewMail(time.Minute, subject); err != nil {
			b.Fatal(err)
		}
		for name, a := range map[string]*bareclient.Arrivals{cBare: bareArr, cNaive: naiveArr} {
			if err := waitArrival(a, subject, time.Minute); err != nil {
				b.Fatalf("%s: %v", name, err)
			}
		}
		if i == 0 {
			continue // warm-up
		}
		for c, p := range proxies {
			in, o := settleBytes(p)
			ins[c] = append(ins[c], in-before[c][0])
			outs[c] = append(outs[c], o-before[c][1])
		}
	}
	for name, stop := range map[string]func() error{cBare: stopBare, cNaive: stopNaive} {
		if err := stop(); err != nil {
			b.Errorf("%s: %v", name, err)
		}
	}

	var t strings.Builder
	fmt.Fprintf(&t, "One ordinary message (%d bytes: 4 Received hops, ARC and DKIM signatures, list headers, a text and an HTML part) "+
		"delivered while each client idles; everything its arrival causes on the wire, from the server's EXISTS to the client "+
		"idling again, plain IMAP through a counting proxy per client; median of %d messages.\n\n", size, bytesMessages)
	fmt.Fprintf(&t, "| client | bytes in (server → client) | bytes out | ÷ message size |\n|---|---:|---:|---:|\n")
	for _, c := range []string{cMB, cBare, cNaive} {
		in, o := medianInt(ins[c]), medianInt(outs[c])
		fmt.Fprintf(&t, "| %s | %d | %d | %.3f |\n", c, in, o, float64(in)/float64(size))
	}
	mbIn := medianInt(ins[cMB])
	fmt.Fprintf(&t, "\n- Target ≤ 2 KB per ordinary message for Mailbell: %d bytes in — %s. The naive fetch reads %.1f× as much.\n",
		mbIn, map[bool]string{true: "met", false: "**missed**"}[mbIn <= 2048], float64(medianInt(ins[cNaive]))/float64(mbIn))
	printf("\nbytes per new message:\n%s", t.String())
	addSection(60, "6. Bytes on the wire per new message", t.String())
	b.ReportMetric(float64(mbIn), "mailbell-bytes-in")
	b.ReportMetric(float64(medianInt(ins[cNaive])), "naive-bytes-in")
}
