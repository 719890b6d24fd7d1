package io.berth.docker;

import io.berth.server.HttpException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Times in queries as Docker's clients send them: Unix seconds (with a fraction) or RFC 3339. */
final class Times {
  private Times() {}

  static Instant parse(String name, String v) {
    try {
      if (v.matches("-?\\d+(\\.\\d+)?")) {
        BigDecimal d = new BigDecimal(v);
        return Instant.ofEpochSecond(d.longValue(), d.remainder(BigDecimal.ONE).movePointRight(9).longValue());
      }
      return Instant.parse(v);
    } catch (DateTimeParseException | ArithmeticException e) {
      throw HttpException.badRequest("invalid value for " + name + ": \"" + v + "\" (Unix seconds or an RFC 3339 time)");
    }
  }
}
