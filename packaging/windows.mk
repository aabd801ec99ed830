# Windows builds, and the cross-build checks for Windows and macOS.
# Included by the Makefile.
#
#   make dist-windows   bin/mailbell-VERSION-windows-amd64.zip: mailbell.exe and
#                       mailbell-window.exe (icon, version and manifest resources
#                       embedded with go-winres), the icon, README, LICENSE
#   make test-cross     part of make test: the cgo-free packages (core, cli, tray) built and vetted
#                       for windows/amd64, darwin/amd64 and darwin/arm64, and the
#                       background executable built for windows/amd64
#   make test-windows   part of make test: builds the zip, checks its files and
#                       the resources in each .exe (e2e/wine/dist_test.go), and
#                       runs both .exe from it under Wine and Xvfb against a
#                       core (e2e/wine/window_test.go)
#
# The other Wine tests (e2e/wine) run inside make test's go test: make deps
# installs Wine and mingw-w64 from WINDOWS_PKGS, and go-winres.

WINDOWS_PKGS := wine wine64 gcc-mingw-w64-x86-64 zip
MINGW_CC := x86_64-w64-mingw32-gcc
# go-winres comes through the Go module proxy, installed like staticcheck.
GOWINRES_VERSION := v0.3.3
GOWINRES := $(dir $(STATICCHECK))go-winres

.PHONY: deps-windows test-cross test-windows dist-windows

deps: deps-windows
deps-windows:
	@./.ci/install-debs $(WINDOWS_PKGS)
	@$(GO) version -m $(GOWINRES) 2>/dev/null | grep -qE '^\s+mod\s+github.com/tc-hib/go-winres\s+$(GOWINRES_VERSION)\s' || \
		$(GO) install github.com/tc-hib/go-winres@$(GOWINRES_VERSION)

test: test-cross test-windows

# The Fyne window needs cgo everywhere, and on macOS so does the tray
# (fyne.io/systray's Cocoa code), so macOS checks the core, not the executables.
CROSS_CORE := ./mail/... ./app/... ./platform/...
test-cross:
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) vet $(CROSS_CORE) ./internal/cli/... ./ui/tray/... .
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o /dev/null .
	GOOS=darwin GOARCH=amd64 CGO_ENABLED=0 $(GO) vet $(CROSS_CORE)
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) vet $(CROSS_CORE)
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(CROSS_CORE)

WIN_DIR  = bin/windows
WIN_ZIP  = bin/mailbell-$(VERSION)-windows-amd64.zip
# Windows version resources want four numbers.
VERSION4 = $(VERSION).0
# -H windowsgui for both: started at login or from Explorer, neither opens a
# console window (mailbell.exe --headless still writes to a redirected stdout).
WIN_LDFLAGS = $(LDFLAGS) -H windowsgui

$(WIN_DIR)/mailbell.exe: FORCE
	@mkdir -p $(WIN_DIR)
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(WIN_LDFLAGS)' -o $@ .

# The cold cross-build of Fyne (GLFW through mingw) takes minutes; the Go
# build cache makes the next ones quick.
$(WIN_DIR)/mailbell-window.exe: FORCE
	@command -v $(MINGW_CC) >/dev/null || { echo "$(MINGW_CC) missing: run make deps"; exit 1; }
	@mkdir -p $(WIN_DIR)
	GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=$(MINGW_CC) $(GO) build -trimpath -ldflags '$(WIN_LDFLAGS)' -o $@ ./cmd/mailbell-window

# The zip as shipped: its files and resources checked, its two .exe run
# under Wine and Xvfb (the window one dials the core's named pipe).
test-windows: dist-windows
	MAILBELL_WINDOWS_ZIP=$(CURDIR)/$(WIN_ZIP) MAILBELL_VERSION=$(VERSION) MAILBELL_GOWINRES=$(GOWINRES) \
		$(GO) test -tags windowexe -count=1 -timeout 10m -run '^(TestWindowsZip|TestWindowExeUnderWine)$$' ./e2e/wine

# Resources: one winres.json per executable from packaging/windows/winres.json.in,
# patched into the built .exe (no .syso files in the source tree).
define winres
	sed -e 's|@NAME@|$(1)|g' -e 's|@DESCRIPTION@|$(2)|g' -e 's|@VERSION@|$(VERSION)|g' -e 's|@VERSION4@|$(VERSION4)|g' \
		packaging/windows/winres.json.in > $(WIN_DIR)/res/$(1).json
	$(GOWINRES) patch --no-backup --in $(WIN_DIR)/res/$(1).json $(WIN_DIR)/$(1).exe
endef

dist-windows: $(WIN_DIR)/mailbell.exe $(WIN_DIR)/mailbell-window.exe
	@command -v zip >/dev/null || { echo "zip missing: run make deps"; exit 1; }
	@test -x $(GOWINRES) || { echo "go-winres missing: run make deps"; exit 1; }
	rm -rf $(WIN_DIR)/res $(WIN_DIR)/Mailbell && mkdir -p $(WIN_DIR)/res $(WIN_DIR)/Mailbell
	cp Icon.png $(WIN_DIR)/res/mailbell.png
	$(call winres,mailbell,Mailbell new-mail notifier)
	$(call winres,mailbell-window,Mailbell windows)
	cp $(WIN_DIR)/mailbell.exe $(WIN_DIR)/mailbell-window.exe $(WIN_DIR)/Mailbell/
	cp Icon.png $(WIN_DIR)/Mailbell/mailbell.png
	cp LICENSE $(WIN_DIR)/Mailbell/LICENSE.txt
	sed 's/$$/\r/' packaging/windows/README.txt > $(WIN_DIR)/Mailbell/README.txt
	rm -f $(WIN_ZIP)
	cd $(WIN_DIR) && TZ=UTC zip -qrX ../$(notdir $(WIN_ZIP)) Mailbell
	@echo "built $(WIN_ZIP)"

FORCE:
