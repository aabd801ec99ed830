package discover

import (
	"net/http"
	"strings"
	"testing"
)

func TestOptionsFromEnvUnsetIsTheRealThing(t *testing.T) {
	t.Setenv(EnvDNS, "")
	t.Setenv(EnvHTTPSPort, "8443")
	o, err := OptionsFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if o.HTTPClient != nil || o.Resolver != nil || o.Prober != nil {
		t.Fatalf("without %s the options must be the zero value (system resolver, system roots), got %+v", EnvDNS, o)
	}
}

func TestOptionsFromEnvRefusesAnythingButLoopback(t *testing.T) {
	for _, v := range []string{"8.8.8.8:53", "192.168.1.1:53", "dns.example:53", "127.0.0.1", "garbage"} {
		t.Setenv(EnvDNS, v)
		if _, err := OptionsFromEnv(); err == nil {
			t.Errorf("%s=%q accepted", EnvDNS, v)
		}
	}
	t.Setenv(EnvDNS, "127.0.0.1:5353")
	for _, p := range []string{"0", "70000", "https"} {
		t.Setenv(EnvHTTPSPort, p)
		if _, err := OptionsFromEnv(); err == nil || !strings.Contains(err.Error(), EnvHTTPSPort) {
			t.Errorf("%s=%q: err %v", EnvHTTPSPort, p, err)
		}
	}
}

func TestOptionsFromEnvKeepsTLSVerified(t *testing.T) {
	t.Setenv(EnvDNS, "127.0.0.1:5353")
	t.Setenv(EnvHTTPSPort, "8443")
	o, err := OptionsFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := o.HTTPClient.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport %T", o.HTTPClient.Transport)
	}
	if tr.TLSClientConfig == nil || tr.TLSClientConfig.InsecureSkipVerify || tr.TLSClientConfig.RootCAs != nil {
		t.Fatalf("TLS must be verified against the system roots: %+v", tr.TLSClientConfig)
	}
	if tr.Proxy != nil {
		t.Fatal("a proxy would take the requests off loopback")
	}
}
