# src/: one folder per room (docs/ARCHITECTURE.md), listed from the bottom
# up. Every room but the command-line entry points goes into libmida.a, so
# that tests and benches link what the daemon runs.
noinst_LIBRARIES += src/libmida.a
src_libmida_a_SOURCES =
src_libmida_a_SOURCES += \
	src/util/text_format.c src/util/text_format.h src/util/log.c src/util/log.h src/util/grow.c src/util/grow.h \
	src/util/double_format.c src/util/double_format.h src/util/json_read.c src/util/json_read.h src/util/block_pool.c src/util/block_pool.h src/util/atomic_file.c src/util/atomic_file.h \
	src/util/suggest.c src/util/suggest.h src/util/time_parse.c src/util/time_parse.h \
	src/util/weekly_schedule.c src/util/weekly_schedule.h
src_libmida_a_SOURCES += \
	src/expr/expr.c src/expr/expr.h src/expr/expr_code.h src/expr/expr_eval.c src/expr/expr_lex.c src/expr/expr_lex.h
src_libmida_a_SOURCES += \
	src/config/config.c src/config/config.h src/config/config_diag.c src/config/config_loader.c src/config/config_loader.h src/config/config_secret.c src/config/config_include.c \
	src/config/config_alerts.c src/config/config_notifiers.c src/config/config_inhibit.c src/config/config_digests.c src/config/config_lookup.c src/config/config_rules.c src/config/duration.c src/config/duration.h src/config/secret.c src/config/secret.h \
	src/config/url_check.c src/config/url_check.h src/config/statistics_settings.h \
	src/config/config_web.c src/config/listen_address.c src/config/listen_address.h src/config/htpasswd.c src/config/htpasswd.h
src_libmida_a_SOURCES += \
	src/mida/mida.c src/mida/mida.h src/mida/mida_list.c src/mida/mida_client.c src/mida/mida_client.h src/mida/http.c \
	src/mida/http.h src/mida/http_error.c src/mida/http_error.h src/mida/backoff.c src/mida/backoff.h
src_libmida_a_SOURCES += \
	src/stats/stats.c src/stats/stats.h src/stats/stats_beta.c src/stats/analysis.c src/stats/analysis.h src/stats/analysis_json.c src/stats/analysis_summary.c src/stats/analysis_summary.h
src_libmida_a_SOURCES += \
	src/store/state_lock.c src/store/state_lock.h src/store/watchlist.c src/store/watchlist.h \
	src/store/db.c src/store/db.h src/store/schema.c src/store/schema.h src/store/row_sql.h src/store/meta.c src/store/meta.h \
	src/store/experiments.c src/store/experiments.h src/store/outbox_rows.c src/store/outbox_rows.h \
	src/store/analysis_restore.c src/store/analysis_restore.h \
	src/store/alert_rows.c src/store/alert_rows.h src/store/action_rows.c src/store/action_rows.h \
	src/store/health_rows.c src/store/health_rows.h src/store/silence_rows.c src/store/silence_rows.h \
	src/store/listed_rows.c src/store/listed_rows.h src/store/digest_rows.c src/store/digest_rows.h \
	src/store/group_commit.c src/store/group_commit.h
src_libmida_a_SOURCES += \
	src/notify/notify.c src/notify/notify.h src/notify/event_id.c src/notify/event_id.h src/notify/notify_payload.c src/notify/notify_payload.h src/notify/notify_slack.c src/notify/alert_facts.c src/notify/alert_facts.h \
	src/notify/notify_alertmanager.c src/notify/notify_pagerduty.c src/notify/notify_teams.c src/notify/notify_email.c \
	src/notify/notify_email.h src/notify/webhook_sign.c \
	src/notify/webhook_sign.h src/notify/digest.h src/notify/digest_text.c src/notify/digest_json.c src/notify/digest_slack.c src/notify/digest_render.c \
	src/notify/delivery.c src/notify/delivery.h src/notify/outbox.c src/notify/outbox.h
src_libmida_a_SOURCES += \
	src/rules/rules.c src/rules/rules.h src/rules/rules_store.c src/rules/rule_env.c src/rules/rule_env.h src/rules/rule_event.c \
	src/rules/rule_event.h src/rules/silences.c src/rules/silences.h src/rules/alert_holds.c src/rules/alert_holds.h
src_libmida_a_SOURCES += \
	src/actions/actions.c src/actions/actions.h src/actions/actions_store.c src/actions/action_runner.c src/actions/action_runner.h
src_libmida_a_SOURCES += \
	src/daemon/daemon.c src/daemon/daemon.h src/daemon/manager.c src/daemon/manager.h src/daemon/cycle.c src/daemon/cycle.h \
	src/daemon/digest_build.c src/daemon/digest_build.h src/daemon/digests.c src/daemon/digests.h src/daemon/lifecycle.c src/daemon/lifecycle.h src/daemon/lifecycle_changes.c src/daemon/lifecycle_changes.h \
	src/daemon/experiment_update.c src/daemon/experiment_update.h src/daemon/alerting.c src/daemon/alerting.h src/daemon/alerting_internal.h \
	src/daemon/alerting_holds.c src/daemon/alerting_journal.c src/daemon/alerting_notify.c src/daemon/health.c src/daemon/health.h \
	src/daemon/health_store.c src/daemon/health_daemon.c src/daemon/health_daemon.h src/daemon/health_payload.c src/daemon/health_payload.h src/daemon/metrics.c \
	src/daemon/metrics.h src/daemon/once_rules.c src/daemon/once_rules.h src/daemon/recorder.c src/daemon/recorder.h \
	src/daemon/upgrade.c src/daemon/upgrade.h src/daemon/upgrade_read.h src/daemon/upgrade_read_file.c \
	src/daemon/upgrade_read_state.c src/daemon/upgrade_read_experiment.c src/daemon/upgrade_read_sequential.c \
	src/daemon/upgrade_read_alerts.c src/daemon/upgrade_read_actions.c src/daemon/upgrade_read_health.c \
	src/daemon/upgrade_read_outbox.c
src_libmida_a_SOURCES += \
	src/report/status_report.c src/report/status_report.h src/report/status_json.c src/report/status_json.h \
	src/report/status_read.c src/report/status_read.h src/report/history_read.c src/report/history_read.h \
	src/report/history_series.c src/report/history_series.h src/report/history_output.c src/report/history_output.h \
	src/report/sparkline.c src/report/sparkline.h src/report/table_text.c src/report/table_text.h \
	src/report/json_output.c src/report/json_output.h
src_libmida_a_SOURCES += \
	src/web/web_server.c src/web/web_server.h src/web/web_listen.c src/web/web_listen.h \
	src/web/web_handler.c src/web/web_handler.h src/web/web_auth.c src/web/web_auth.h src/web/web_gzip.c src/web/web_gzip.h
# The site the listener serves (src/web/web_site.h): routes, pages, caches.
# web_assets.c is generated from src/web/assets/ (each file a C string), so
# that the CSS and JavaScript are edited as themselves and built in.
src_libmida_a_SOURCES += \
	src/web/web_site.c src/web/web_site.h src/web/experiment_data.c src/web/experiment_data.h \
	src/web/html.c src/web/html.h src/web/page_figures.c src/web/page_figures.h \
	src/web/page_index.c src/web/page_index.h src/web/page_experiment.c src/web/page_experiment.h \
	src/web/web_static.c src/web/web_static.h src/web/web_assets.h
nodist_src_libmida_a_SOURCES = src/web/web_assets.c
CLEANFILES += src/web/web_assets.c
WEB_ASSETS = src/web/assets/style.css src/web/assets/app.js
EXTRA_DIST += $(WEB_ASSETS)
src/web/web_assets.c: $(srcdir)/src/web/assets/style.css $(srcdir)/src/web/assets/app.js
	$(AM_V_GEN)$(MKDIR_P) src/web && { \
	  echo '/* Generated from src/web/assets/ by src/local.mk: edit those. */'; \
	  echo '#include "web/web_assets.h"'; \
	  for f in $(WEB_ASSETS); do \
	    n=`echo "$$f" | sed -e 's|.*/||' -e 's/[^A-Za-z0-9]/_/g'`; \
	    echo "const char web_asset_$$n[] ="; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' \
	      $(srcdir)/$$f || exit 1; \
	    echo ';'; \
	    echo "const size_t web_asset_$${n}_size = sizeof(web_asset_$$n) - 1;"; \
	  done; } > $@.tmp && mv $@.tmp $@
src_libmida_a_SOURCES += \
	src/cli/once_output.c src/cli/once_output.h src/cli/analysis_table.c src/cli/analysis_table.h

bin_PROGRAMS += src/mida-monitor
src_mida_monitor_SOURCES = \
	src/cli/main.c src/cli/commands.h src/cli/cmd_analyze.c src/cli/cmd_check_config.c \
	src/cli/cmd_run.c src/cli/cmd_status.c src/cli/cmd_history.c src/cli/cmd_test_notify.c src/cli/cmd_complete.c src/cli/cmd_silence.c src/cli/cmd_digest.c \
	src/cli/send_now.c src/cli/send_now.h \
	src/cli/cli_config.c
src_mida_monitor_LDADD = $(MIDA_LIBS)
