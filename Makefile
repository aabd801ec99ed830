# Mailbell — build, test, demo.
#
#   make demo   build and run Mailbell against its built-in demo IMAP server
#   make test   install what the tests need, then run every test
#   make bench  benchmarks (not part of make test)

SHELL := /bin/bash
GO ?= go
export LANG ?= C.UTF-8

# Debian packages the build and the tests need.
BUILD_PKGS := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev
TEST_PKGS := dovecot-imapd openssl xvfb xauth imagemagick dunst gnome-keyring \
	libsecret-tools x11-utils dbus dbus-x11 procps libglib2.0-bin gnome-online-accounts \
	xfce4-panel xfconf xdotool $(FONT_PKGS)
# Fonts for the scripts the window and notification tests show (README:
# "Fonts"): Chinese, Japanese and Korean (WenQuanYi Micro Hei, 1.5 MB);
# Arabic and Hebrew (DejaVu Sans); color emoji for dunst (Fyne bundles its
# own); fc-list, which the notification test asks.
FONT_PKGS := fonts-wqy-microhei fonts-dejavu-core fonts-noto-color-emoji fontconfig
BENCH_PKGS := mailnag

.PHONY: all build deps bench-deps screenshot-tray-menu test test-nocgo vet demo bench soak clean

all: build

# Two executables: mailbell, the background process (core, tray, notifications,
# socket, headless), built without cgo so it maps no GL or X11 library and
# links no Fyne; and mailbell-window, the Fyne windows it starts on demand.
# Stripped (-s -w), and the static one as a PIE, as Debian's lintian wants.
# A packager's own OAuth client IDs (README: "Registering an OAuth client"),
# e.g. make deb GOOGLE_CLIENT_ID=… GOOGLE_CLIENT_SECRET=… MICROSOFT_CLIENT_ID=…;
# empty by default: Mailbell registers none and borrows none.
OAUTH_LDFLAGS = $(if $(GOOGLE_CLIENT_ID),-X mailbell/app/oauth.googleClientID=$(GOOGLE_CLIENT_ID)) \
	$(if $(GOOGLE_CLIENT_SECRET),-X mailbell/app/oauth.googleClientSecret=$(GOOGLE_CLIENT_SECRET)) \
	$(if $(MICROSOFT_CLIENT_ID),-X mailbell/app/oauth.microsoftClientID=$(MICROSOFT_CLIENT_ID)) \
	$(if $(MICROSOFT_CLIENT_SECRET),-X mailbell/app/oauth.microsoftClientSecret=$(MICROSOFT_CLIENT_SECRET))
LDFLAGS = -s -w -X mailbell/internal/version.release=$(VERSION) $(strip $(OAUTH_LDFLAGS))
build:
	CGO_ENABLED=0 $(GO) build -buildmode=pie -ldflags '$(LDFLAGS)' -o bin/mailbell .
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/mailbell-window ./cmd/mailbell-window

# staticcheck 2026.1 (v0.7.0) is the first release that knows Go 1.26; go
# install puts it in GOBIN, else the first GOPATH entry's bin.
STATICCHECK_VERSION := v0.7.0
STATICCHECK := $(or $(shell $(GO) env GOBIN),$(firstword $(subst :, ,$(shell $(GO) env GOPATH)))/bin)/staticcheck

# deps installs only the missing packages; it needs root (or sudo) when some are missing.
deps:
	@./.ci/install-debs $(BUILD_PKGS) $(TEST_PKGS) $(DEB_PKGS)
	@$(GO) mod download
	@$(STATICCHECK) -version 2>/dev/null | grep -qF '($(STATICCHECK_VERSION))' || \
		$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

bench-deps: deps
	@./.ci/install-debs $(BENCH_PKGS)

# screenshot-tray-menu: Mailbell's demo in a real Xfce panel, its menu
# opened by a right click (internal/testenv/xfcepanel).
screenshot-tray-menu: deps
	internal/testenv/xfcepanel/screenshot-tray-menu.sh docs/screenshot-tray-menu.png

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	@test -x $(STATICCHECK) || { echo "staticcheck missing: run make deps"; exit 1; }
	$(STATICCHECK) ./...

# The core (mail, app, platform) and the background executable must build
# without cgo: no GL, no X.
test-nocgo:
	CGO_ENABLED=0 $(GO) build ./mail/... ./app/... ./platform/... .

# fyne.io/systray v1.12.2 races with itself (refresh() bumps menuVersion under
# one lock while GetLayout reads it under another), so the packages that run
# the real tray in-process are tested without the race detector; everything
# else, the core and its concurrency included, runs under -race.
NORACE_PKGS := mailbell/ui/tray mailbell/internal/testenv/sniwatcher/cmd

test: deps vet test-nocgo
	$(GO) test -race -count=1 -timeout 20m $$($(GO) list ./... | grep -v -x -F $(foreach p,$(NORACE_PKGS),-e $(p)))
	$(GO) test -count=1 -timeout 10m $(NORACE_PKGS)

demo: deps build
	./bin/mailbell --demo

bench: bench-deps
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 1 -timeout 60m ./bench/...

# make soak SOAK=30m: the fault soak of RELIABILITY.md for as long as asked.
SOAK ?= 10m
soak: deps
	$(GO) run -race ./reliability/cmd/soak -duration $(SOAK)

clean:
	rm -rf bin

# make install / uninstall / deb
include packaging/packaging.mk

# make dist-windows, test-cross (Windows and macOS cross-builds), test-windows
include packaging/windows.mk
