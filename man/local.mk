# Man pages: mida-monitor(8) and mida-monitor.conf(5).
dist_man_MANS = man/mida-monitor.8 man/mida-monitor.conf.5
