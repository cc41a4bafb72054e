# The systemd unit and the journal catalog.
#
# The unit is generated at make time, not by configure, so that the paths it
# names follow `make bindir=... sysconfdir=...` as well as configure's.
systemdsystemunit_DATA = systemd/mida-monitor.service
systemdcatalogdir = $(prefix)/lib/systemd/catalog
dist_systemdcatalog_DATA = systemd/mida-monitor.catalog
EXTRA_DIST += systemd/mida-monitor.service.in
CLEANFILES += systemd/mida-monitor.service

systemd/mida-monitor.service: $(srcdir)/systemd/mida-monitor.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(srcdir)/systemd/mida-monitor.service.in >$@.tmp && \
	if grep -n '@[a-z_]*@' $@.tmp; then echo "$@: unsubstituted variable" >&2; rm -f $@.tmp; exit 1; fi && \
	mv $@.tmp $@
