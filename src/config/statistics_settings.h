/* The `statistics` settings of the config, shared by config.c (which fills
 * them in) and analysis.c (which applies them). */
#pragma once

enum stats_method { STATS_METHOD_SEQUENTIAL, STATS_METHOD_FIXED };
enum stats_correction { STATS_CORRECTION_HOLM, STATS_CORRECTION_BONFERRONI, STATS_CORRECTION_NONE };
/* The sample-ratio test: anytime-valid (Lindon & Malek), or the fixed χ²,
 * which inflates its error rate when looked at every cycle. */
enum stats_srm_method { STATS_SRM_SEQUENTIAL, STATS_SRM_CHI2 };

#define STATS_MAX_WEIGHTS 32

struct statistics_settings {
        enum stats_method method;          /* default sequential */
        double alpha;                      /* default 0.05, in (0, 0.5] */
        double sequential_tuning;          /* N*, default 5000 */
        enum stats_correction correction;  /* default holm */
        double srm_alpha;                  /* default 0.001 */
        enum stats_srm_method srm_method;  /* default sequential */
        double srm_concentration;          /* the Dirichlet prior's c, default 1000 */
        long min_visitors;                 /* per arm, default 100 */
        long min_conversions;              /* per arm, default 25 */
        long min_days;                     /* days_running before anything is significant, default 0 */
        double decision_horizon_days;      /* days to decision beyond this: underpowered; default 56 (8w) */
        /* Expected traffic weights for SRM, in variant order; n_weights == 0
         * means equal weights. */
        int n_weights;
        double weights[STATS_MAX_WEIGHTS];
};

static inline struct statistics_settings statistics_settings_default(void)
{
        return (struct statistics_settings) {
                .method = STATS_METHOD_SEQUENTIAL, .alpha = 0.05, .sequential_tuning = 5000,
                .correction = STATS_CORRECTION_HOLM, .srm_alpha = 0.001, .srm_concentration = 1000,
                .min_visitors = 100, .min_conversions = 25, .decision_horizon_days = 56,
        };
}
