#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "notify/webhook_sign.h"

static const char body[] = "{\"test\": 2432232314}";

Test(webhook_sign, standard_webhooks_vector)
{
        char out[WEBHOOK_SIGNATURE_SIZE];

        /* ENGINEERING.md §7, the Standard Webhooks specification's example */
        cr_assert_eq(webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                  1614265330, body, strlen(body), out, sizeof(out)), 0);
        cr_expect_str_eq(out, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

/* Vectors computed independently with Python's hmac and base64 modules. */
Test(webhook_sign, secret_padding_is_optional)
{
        char padded[WEBHOOK_SIGNATURE_SIZE], bare[WEBHOOK_SIGNATURE_SIZE];

        cr_assert_eq(webhook_sign("whsec_dGVzdA==", "msg_1", 1700000000, "{}", 2, padded, sizeof(padded)), 0);
        cr_assert_eq(webhook_sign("whsec_dGVzdA", "msg_1", 1700000000, "{}", 2, bare, sizeof(bare)), 0);
        cr_expect_str_eq(padded, "v1,eKz7HZuFOf10lKa1mJNAK+day2D2tBwSFXr/dvOgJEU=");
        cr_expect_str_eq(bare, padded);
        cr_assert_eq(webhook_sign("whsec_YWI", "msg_1", 1700000000, "", 0, bare, sizeof(bare)), 0);
        cr_expect_str_eq(bare, "v1,oh6NAYH8aUZem+dfn4fjd6+o8DZRM/eTL2QrHxAhKJs=");
}

Test(webhook_sign, body_length_is_respected)
{
        char out[WEBHOOK_SIGNATURE_SIZE];

        cr_assert_eq(webhook_sign("whsec_dGVzdA==", "msg_1", 1700000000, "a\0b", 3, out, sizeof(out)), 0);
        cr_expect_str_eq(out, "v1,tFj61oCspIihGkfv7UcUpQoeOES0QQ0nAQXEnpUQ4+M=");
}

Test(webhook_sign, every_part_is_signed)
{
        static const char secret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        char base[WEBHOOK_SIGNATURE_SIZE], other[WEBHOOK_SIGNATURE_SIZE];

        cr_assert_eq(webhook_sign(secret, "msg_a", 1614265330, body, strlen(body), base, sizeof(base)), 0);
        cr_assert_eq(webhook_sign(secret, "msg_b", 1614265330, body, strlen(body), other, sizeof(other)), 0);
        cr_expect_str_neq(base, other);
        cr_assert_eq(webhook_sign(secret, "msg_a", 1614265331, body, strlen(body), other, sizeof(other)), 0);
        cr_expect_str_neq(base, other);
        cr_assert_eq(webhook_sign(secret, "msg_a", 1614265330, body, strlen(body) - 1, other, sizeof(other)), 0);
        cr_expect_str_neq(base, other);
        cr_assert_eq(webhook_sign("whsec_dGVzdA", "msg_a", 1614265330, body, strlen(body), other, sizeof(other)), 0);
        cr_expect_str_neq(base, other);
}

Test(webhook_sign, rejects_bad_input)
{
        char out[WEBHOOK_SIGNATURE_SIZE];

        cr_expect_eq(webhook_sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, "", 0, out, sizeof(out)), -EINVAL);
        cr_expect_eq(webhook_sign("whsec_", "m", 1, "", 0, out, sizeof(out)), -EINVAL);
        cr_expect_eq(webhook_sign("whsec_ab$d", "m", 1, "", 0, out, sizeof(out)), -EINVAL);
        cr_expect_eq(webhook_sign("whsec_dGVzdA==", "m.1", 1, "", 0, out, sizeof(out)), -EINVAL);
        cr_expect_eq(webhook_sign("whsec_dGVzdA==", "m", 1, "", 0, out, WEBHOOK_SIGNATURE_SIZE - 1), -ENOSPC);
        cr_expect_eq(webhook_sign(NULL, "m", 1, "", 0, out, sizeof(out)), -EINVAL);
}
