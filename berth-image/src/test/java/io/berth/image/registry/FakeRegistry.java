package io.berth.image.registry;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback HTTP/1.1 server on raw sockets, for what a well-behaved registry never does: close the
 * connection half way through a body, ignore Range, fail with 5xx, redirect elsewhere. One request
 * per connection (it answers with {@code Connection: close}); the script sees every request, in
 * order, and writes whatever bytes it likes.
 */
final class FakeRegistry implements AutoCloseable {

    record Request(int index, String method, String target, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    @FunctionalInterface
    interface Script {
        void answer(Request request, Socket socket, OutputStream out) throws IOException;
    }

    private final ServerSocket server;
    private final Script script;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    FakeRegistry(Script script) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.script = script;
        this.acceptor = Thread.ofVirtual().start(this::acceptLoop);
    }

    String host() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    int port() {
        return server.getLocalPort();
    }

    List<Request> requests() {
        return requests;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String requestLine = line(in);
            if (requestLine == null || requestLine.isEmpty()) {
                return;
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            long length = Long.parseLong(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes((int) length);
            String[] parts = requestLine.split(" ");
            Request request;
            synchronized (requests) {
                request = new Request(requests.size(), parts[0], parts[1], Map.copyOf(headers), body);
                requests.add(request);
            }
            OutputStream out = socket.getOutputStream();
            script.answer(request, socket, out);
            out.flush();
        } catch (IOException dropped) {
            // the client went away, or the script closed the socket on purpose
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        return c == -1 && b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Writes a whole response: status line, headers (Content-Length from the body unless given), body. */
    static void respond(OutputStream out, int status, Map<String, String> headers, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " X\r\nConnection: close\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (!headers.containsKey("Content-Length")) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    static void respond(OutputStream out, int status, Map<String, String> headers) throws IOException {
        respond(out, status, headers, new byte[0]);
    }

    /** Headers announcing {@code length} bytes, then only {@code sent} of them, then a reset connection. */
    static void respondTruncated(Socket socket, OutputStream out, int status, Map<String, String> headers,
            byte[] body, int sent) throws IOException {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.put("Content-Length", String.valueOf(body.length));
        StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " X\r\n");
        all.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body, 0, sent);
        out.flush();
        socket.setSoLinger(true, 0); // close with RST, as a crashed server or a cut link does
        socket.close();
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
