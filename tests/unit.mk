# The man pages: lint and in step with the code. The bash completion.
# The systemd unit: systemd-analyze security/verify, then the unit run with
# its whole sandbox by a private systemd manager in namespaces (needs root;
# that part is skipped otherwise). tests/deb-package.sh is run by
# scripts/test after distcheck, not by `make check`: it builds the .deb from a
# copy of the tree.
TESTS += tests/unit-sandbox.sh tests/man-pages.sh tests/completion.sh
EXTRA_DIST += tests/unit-sandbox.sh tests/man-pages.sh tests/deb-package.sh tests/completion.sh
