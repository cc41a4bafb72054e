noinst_LIBRARIES += src/libmida.a
src_libmida_a_SOURCES = \
	src/log.c src/log.h \
	src/config.c src/config.h src/config_diag.c src/config_loader.c src/config_loader.h \
	src/config_secret.c src/config_alerts.c src/duration.c src/duration.h \
	src/suggest.c src/suggest.h src/secret.c src/secret.h src/url_check.c src/url_check.h \
	src/stats.c src/stats.h src/stats_beta.c \
	src/analysis.c src/analysis.h src/analysis_json.c src/analysis_table.c src/sequential_state.c \
	src/mida.c src/mida.h src/mida_list.c src/json_read.c src/json_read.h src/double_format.c src/double_format.h \
	src/statistics_settings.h \
	src/backoff.c src/backoff.h \
	src/mida_client.c src/mida_client.h src/watchlist.c src/watchlist.h \
	src/state.c src/state.h src/state_lock.c src/state_lock.h src/state_read.c src/state_save.c \
	src/daemon.c src/daemon.h src/manager.c src/manager.h src/cycle.c src/cycle.h \
	src/experiment_update.c src/experiment_update.h src/once_output.c src/once_output.h src/once_rules.c src/once_rules.h \
	src/http.c src/http.h src/http_error.c src/http_error.h src/atomic_file.c src/atomic_file.h \
	src/expr.c src/expr.h src/expr_lex.c src/expr_lex.h src/expr_code.h src/expr_eval.c \
	src/notify_format.c src/notify_format.h src/notify_payload.c src/notify_payload.h src/notify_slack.c \
	src/webhook_sign.c src/webhook_sign.h \
	src/delivery.c src/delivery.h src/outbox.c src/outbox.h src/outbox_file.c src/outbox_file.h \
	src/notify.c src/notify.h src/alerting.c src/alerting.h src/action_runner.c src/action_runner.h \
	src/config_rules.c src/rule_env.c src/rule_env.h src/rules.c src/rules.h src/rules_json.c \
	src/rule_event.c src/rule_event.h src/actions.c src/actions.h src/actions_json.c \
	src/json_state_file.c src/json_state_file.h src/grow.c src/grow.h \
	src/metrics.c src/metrics.h src/health.c src/health.h src/health_json.c \
	src/health_payload.c src/health_payload.h src/health_daemon.c src/health_daemon.h \
	src/status_report.c src/status_report.h

bin_PROGRAMS += src/mida-monitor
src_mida_monitor_SOURCES = src/main.c src/commands.h \
	src/cmd_check_config.c \
	src/cmd_analyze.c src/cmd_run.c src/cmd_status.c src/cmd_test_notify.c
src_mida_monitor_LDADD = $(MIDA_LIBS)
