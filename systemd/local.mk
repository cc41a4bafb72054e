# The systemd unit and the journal catalog.
#
# The unit is generated at make time, not by configure, so that the paths it
# names follow `make bindir=... sysconfdir=...` as well as configure's.
systemdsystemunit_DATA = systemd/mida-monitor.service systemd/mida-monitor@.service
# The status page's socket (socket activation): installed, never enabled by
# the build or the package.
dist_systemdsystemunit_DATA = systemd/mida-monitor.socket
systemdcatalogdir = $(prefix)/lib/systemd/catalog
dist_systemdcatalog_DATA = systemd/mida-monitor.catalog
EXTRA_DIST += systemd/mida-monitor.service.in
CLEANFILES += systemd/mida-monitor.service systemd/mida-monitor@.service

systemd/mida-monitor.service: $(srcdir)/systemd/mida-monitor.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(srcdir)/systemd/mida-monitor.service.in >$@.tmp && \
	if grep -n '@[a-z_]*@' $@.tmp; then echo "$@: unsubstituted variable" >&2; rm -f $@.tmp; exit 1; fi && \
	mv $@.tmp $@

# One instance per Mida project: the same unit with the instance's config
# (%i.conf), API key (%i.api-key) and state directory (mida-monitor-%i).
# Generated from mida-monitor.service so that the two never drift apart.
systemd/mida-monitor@.service: systemd/mida-monitor.service
	$(AM_V_GEN)sed -e '1i # mida-monitor@NAME: one instance per Mida project, e.g. for a client;' \
		-e '1i # systemctl enable --now mida-monitor@NAME. Made from mida-monitor.service:' \
		-e '1i # its config, key and state are NAME.conf, NAME.api-key and /var/lib/mida-monitor-NAME.' \
		-e '1i #' \
		-e 's|^Description=\(.*\)|Description=\1 (%i)|' \
		-e '/^#/s|mida-monitor/api-key|mida-monitor/NAME.api-key|g' \
		-e '/^#/!s|mida-monitor/api-key|mida-monitor/%i.api-key|g' \
		-e 's|mida-monitor/mida-monitor\.conf|mida-monitor/%i.conf|g' \
		-e 's|^StateDirectory=mida-monitor$$|StateDirectory=mida-monitor-%i|' \
		-e 's|systemctl edit mida-monitor`|systemctl edit mida-monitor@NAME`|' \
		-e 's|systemd-analyze security mida-monitor`|systemd-analyze security mida-monitor@NAME`|' \
		systemd/mida-monitor.service >$@.tmp && \
	for want in 'StateDirectory=mida-monitor-%i' 'LoadCredential=mida-api-key:.*/%i.api-key' \
		    'ConditionPathExists=.*/%i.api-key' 'ExecStart=.* -c .*/%i.conf run'; do \
		grep -q "^$$want$$" $@.tmp || { echo "$@: no line $$want" >&2; rm -f $@.tmp; exit 1; }; done && \
	mv $@.tmp $@
