// Command soak runs Mailbell's fault soak (package reliability) for as long
// as asked and prints its figures; it exits 1 when an invariant broke.
//
//	go run -race ./reliability/cmd/soak -duration 30m
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"mailbell/reliability"
)

func main() {
	d := flag.Duration("duration", 2*time.Minute, "how long to inject faults")
	seed := flag.Uint64("seed", 0, "random seed (0: from the clock)")
	verbose := flag.Bool("v", false, "print the core's log and every fault on stderr")
	notice := flag.Duration("notice-limit", 5*time.Second, "longest acceptable time to notice a stall")
	flag.Parse()

	var log io.Writer
	if *verbose {
		log = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := reliability.RunSoak(ctx, reliability.SoakConfig{Duration: *d, Seed: *seed, Log: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	fmt.Print(rep.Table())
	if probs := rep.Problems(*notice); len(probs) > 0 {
		fmt.Println("PROBLEMS:")
		for _, p := range probs {
			fmt.Println("  " + p)
		}
		os.Exit(1)
	}
	fmt.Println("OK: every delivered message was announced exactly once")
}
