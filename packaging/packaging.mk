# Install, uninstall and the Debian package. Included by the Makefile.
#
#   make install   [PREFIX=…] [DESTDIR=…]   PREFIX: ~/.local for a user, /usr/local for root
#   make uninstall [PREFIX=…] [DESTDIR=…]
#   make deb                                 bin/mailbell_VERSION_ARCH.deb, built without root

APP_ID  := io.mailbell.Mailbell
VERSION := $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
ifeq ($(shell id -u),0)
PREFIX ?= /usr/local
else
PREFIX ?= $(HOME)/.local
endif
BINDIR     = $(PREFIX)/bin
LIBEXECDIR = $(PREFIX)/libexec/mailbell
DATADIR    = $(PREFIX)/share

# What install lays out, relative to $(DESTDIR)$(PREFIX); uninstall removes
# exactly these (and the folders they leave empty).
ICON_SIZES := 16 22 24 32 48 64 128 256
INSTALLED = bin/mailbell libexec/mailbell/mailbell-window \
	share/applications/$(APP_ID).desktop \
	share/metainfo/$(APP_ID).metainfo.xml \
	share/man/man1/mailbell.1.gz \
	$(foreach n,$(ICON_SIZES),share/icons/hicolor/$(n)x$(n)/apps/$(APP_ID).png)

.PHONY: install uninstall deb

install: build
	install -Dm755 bin/mailbell $(DESTDIR)$(BINDIR)/mailbell
	install -Dm755 bin/mailbell-window $(DESTDIR)$(LIBEXECDIR)/mailbell-window
	install -d $(DESTDIR)$(DATADIR)/applications
	sed 's|@BINDIR@|$(BINDIR)|' packaging/linux/$(APP_ID).desktop.in > $(DESTDIR)$(DATADIR)/applications/$(APP_ID).desktop
	chmod 644 $(DESTDIR)$(DATADIR)/applications/$(APP_ID).desktop
	install -Dm644 packaging/linux/$(APP_ID).metainfo.xml $(DESTDIR)$(DATADIR)/metainfo/$(APP_ID).metainfo.xml
	install -d $(DESTDIR)$(DATADIR)/man/man1
	gzip -9n < packaging/linux/mailbell.1 > $(DESTDIR)$(DATADIR)/man/man1/mailbell.1.gz
	chmod 644 $(DESTDIR)$(DATADIR)/man/man1/mailbell.1.gz
	$(GO) run ./ui/icon/hicolor -o $(DESTDIR)$(DATADIR)/icons/hicolor -name $(APP_ID)
	@# Refresh the desktop's caches only for a live install, not a staged one.
	@if [ -z "$(DESTDIR)" ]; then \
		command -v update-desktop-database >/dev/null && update-desktop-database -q $(DATADIR)/applications || true; \
		command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -qtf $(DATADIR)/icons/hicolor 2>/dev/null || true; \
	fi
	@echo "installed Mailbell $(VERSION) under $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null
	@echo "removed Mailbell from $(DESTDIR)$(PREFIX) (your config and keyring entries are kept)"

# The .deb: install into a staging tree with PREFIX=/usr, add the Debian
# documents, compute the shared-library Depends with dpkg-shlibdeps (the
# background executable is static; the window one links libc, GL and X11),
# and build with dpkg-deb --root-owner-group, so no root is needed.
DEB_ARCH  = $(shell dpkg --print-architecture)
DEB_STAGE = bin/deb/mailbell
deb: deb-deps
	rm -rf bin/deb
	$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(DEB_STAGE) PREFIX=/usr
	install -Dm644 packaging/debian/copyright $(DEB_STAGE)/usr/share/doc/mailbell/copyright
	gzip -9n < packaging/debian/changelog > $(DEB_STAGE)/usr/share/doc/mailbell/changelog.gz
	chmod 644 $(DEB_STAGE)/usr/share/doc/mailbell/changelog.gz
	mkdir -p $(DEB_STAGE)/DEBIAN bin/deb/shlibs/debian
	printf 'Source: mailbell\n\nPackage: mailbell\nArchitecture: any\n' > bin/deb/shlibs/debian/control
	cd bin/deb/shlibs && dpkg-shlibdeps -O -e$(CURDIR)/$(DEB_STAGE)/usr/libexec/mailbell/mailbell-window \
		| sed -n 's/^shlibs:Depends=//p' > ../depends
	test -s bin/deb/depends
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@ARCH@|$(DEB_ARCH)|' \
		-e "s|@SIZE@|$$(du -sk --exclude=DEBIAN $(DEB_STAGE) | cut -f1)|" \
		-e "s|@DEPENDS@|$$(cat bin/deb/depends)|" \
		packaging/debian/control.in > $(DEB_STAGE)/DEBIAN/control
	cd $(DEB_STAGE) && find usr -type f -exec md5sum {} + > DEBIAN/md5sums
	dpkg-deb --root-owner-group -Zxz --build $(DEB_STAGE) bin/mailbell_$(VERSION)_$(DEB_ARCH).deb
	@echo "built bin/mailbell_$(VERSION)_$(DEB_ARCH).deb"

DEB_PKGS := dpkg-dev desktop-file-utils appstream lintian
.PHONY: deb-deps
deb-deps:
	@./.ci/install-debs $(DEB_PKGS)
