# The example config is installed as the config only when there is none:
# `make install` never overwrites an operator's file (DESTDIR-aware).
# `make uninstall` removes it only while it is still the unmodified example.
EXTRA_DIST += etc/mida-monitor.conf
mida_confdir = $(sysconfdir)/mida-monitor
mida_conf = $(DESTDIR)$(mida_confdir)/mida-monitor.conf

install-data-local:
	$(MKDIR_P) '$(DESTDIR)$(mida_confdir)'
	@if test -e '$(mida_conf)'; then \
		echo " keeping the existing $(mida_conf)"; \
	else \
		echo " $(INSTALL_DATA) etc/mida-monitor.conf '$(mida_conf)'"; \
		$(INSTALL_DATA) '$(srcdir)/etc/mida-monitor.conf' '$(mida_conf)'; \
	fi

uninstall-local:
	@if cmp -s '$(srcdir)/etc/mida-monitor.conf' '$(mida_conf)'; then \
		echo " rm -f '$(mida_conf)'"; rm -f '$(mida_conf)'; \
	elif test -e '$(mida_conf)'; then \
		echo " keeping the modified $(mida_conf)"; \
	fi
	@rmdir '$(DESTDIR)$(mida_confdir)' 2>/dev/null || :
