package io.berth.server;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** The wire format both ends share: lines, headers and chunked bodies over a socket channel. */
final class HttpIO {
  static final int MAX_LINE = 16 * 1024;
  static final int MAX_HEADERS = 200;

  private HttpIO() {}

  /**
   * A buffered stream over a channel. Written here rather than taken from {@code
   * Channels.newInputStream}, whose streams lock the channel's blocking lock for every read and
   * write: a thread blocked reading (the disconnect watch) would then stall the thread writing a
   * streamed response on the same connection.
   */
  static final class ChannelInput extends InputStream {
    private final SocketChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocate(16 * 1024).flip();

    ChannelInput(SocketChannel ch) {
      this.ch = ch;
    }

    private boolean fill() throws IOException {
      buf.clear();
      int n = ch.read(buf);
      buf.flip();
      return n > 0;
    }

    @Override
    public int read() throws IOException {
      if (!buf.hasRemaining() && !fill()) {
        return -1;
      }
      return buf.get() & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!buf.hasRemaining()) {
        if (len >= buf.capacity()) {
          int n = ch.read(ByteBuffer.wrap(b, off, len));
          return n == 0 ? -1 : n;
        }
        if (!fill()) {
          return -1;
        }
      }
      int n = Math.min(len, buf.remaining());
      buf.get(b, off, n);
      return n;
    }

    @Override
    public int available() {
      return buf.remaining();
    }
  }

  static final class ChannelOutput extends OutputStream {
    private final SocketChannel ch;

    ChannelOutput(SocketChannel ch) {
      this.ch = ch;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ByteBuffer bb = ByteBuffer.wrap(b, off, len);
      while (bb.hasRemaining()) {
        ch.write(bb);
      }
    }
  }

  /** A line ended by CRLF (or a bare LF), without its end; null at end of stream before any byte. */
  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        byte[] b = line.toByteArray();
        int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        return new String(b, 0, len, StandardCharsets.ISO_8859_1);
      }
      if (line.size() >= MAX_LINE) {
        throw new HttpException(431, "a request line or header is longer than " + MAX_LINE + " bytes");
      }
      line.write(c);
    }
    if (line.size() == 0) {
      return null;
    }
    throw new EOFException("the connection closed in the middle of a line");
  }

  /** Header lines up to the empty one; names are case-insensitive, repeats are joined. */
  static Map<String, String> readHeaders(InputStream in) throws IOException {
    Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int n = 0; ; n++) {
      String line = readLine(in);
      if (line == null) {
        throw new EOFException("the connection closed in the headers");
      }
      if (line.isEmpty()) {
        return h;
      }
      if (n >= MAX_HEADERS) {
        throw new HttpException(431, "more than " + MAX_HEADERS + " headers");
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw HttpException.badRequest("malformed header line \"" + line + "\"");
      }
      String name = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      h.merge(name, value, (a, b) -> a + ", " + b);
    }
  }

  static boolean isChunked(Map<String, String> headers) {
    String te = headers.get("Transfer-Encoding");
    return te != null && te.toLowerCase(java.util.Locale.ROOT).contains("chunked");
  }

  static long contentLength(Map<String, String> headers) {
    String v = headers.get("Content-Length");
    if (v == null) {
      return -1;
    }
    try {
      long n = Long.parseLong(v.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw HttpException.badRequest("bad Content-Length \"" + v + "\"");
    }
  }

  /** Reads exactly n bytes. */
  static byte[] readN(InputStream in, long n) throws IOException {
    byte[] b = in.readNBytes((int) n);
    if (b.length < n) {
      throw new EOFException("the connection closed after " + b.length + " of " + n + " body bytes");
    }
    return b;
  }

  /** A chunked body, decoded; ends at the last chunk (trailers are read and dropped). */
  static final class ChunkedInput extends InputStream {
    private final InputStream in;
    private long left;
    private boolean done;

    ChunkedInput(InputStream in) {
      this.in = in;
    }

    private boolean next() throws IOException {
      if (done) {
        return false;
      }
      if (left == 0) {
        String line = readLine(in);
        if (line == null) {
          throw new EOFException("the connection closed in a chunked body");
        }
        int semi = line.indexOf(';');
        String size = (semi < 0 ? line : line.substring(0, semi)).trim();
        try {
          left = Long.parseLong(size, 16);
        } catch (NumberFormatException e) {
          throw HttpException.badRequest("bad chunk size \"" + size + "\"");
        }
        if (left < 0) {
          throw HttpException.badRequest("bad chunk size \"" + size + "\"");
        }
        if (left == 0) {
          readHeaders(in); // trailers
          done = true;
          return false;
        }
      }
      return true;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!next()) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("the connection closed in a chunk");
      }
      left -= n;
      if (left == 0 && !"".equals(readLine(in))) {
        throw HttpException.badRequest("a chunk is not followed by CRLF");
      }
      return n;
    }
  }

  /** Reads a whole body of at most {@code max} bytes. */
  static byte[] readAll(InputStream body, long max) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = body.read(buf)) >= 0) {
      out.write(buf, 0, n);
      if (out.size() > max) {
        throw new HttpException(413, "the request body is larger than " + max + " bytes");
      }
    }
    return out.toByteArray();
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static String reason(int status) {
    return switch (status) {
      case 100 -> "Continue";
      case 101 -> "Switching Protocols";
      case 200 -> "OK";
      case 201 -> "Created";
      case 204 -> "No Content";
      case 304 -> "Not Modified";
      case 400 -> "Bad Request";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Content Too Large";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      case 505 -> "HTTP Version Not Supported";
      case 507 -> "Insufficient Storage";
      default -> "Status " + status;
    };
  }

  /** Statuses whose responses never have a body. */
  static boolean bodiless(int status) {
    return status / 100 == 1 || status == 204 || status == 304;
  }
}
