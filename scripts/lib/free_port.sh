# free_port: a TCP port on 127.0.0.1 that nothing listens on now (the
# kernel's pick), for a listener the caller starts next. Shared by the
# tests, the benches (through scratch.sh) and scripts/demo.
free_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
