package io.berth.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.server.HttpException;
import org.junit.jupiter.api.Test;

class ApiVersionTest {
  @Test
  void aVersionPrefixIsTakenOffThePath() {
    ApiVersion v = ApiVersion.of("/v1.41/containers/json");
    assertEquals("1.41", v.text());
    assertEquals("/containers/json", v.path());
    assertEquals("/", ApiVersion.of("/v1.47").path());
    assertEquals("/images/127.0.0.1:5000/a/b:1/json", ApiVersion.of("/v1.24/images/127.0.0.1:5000/a/b:1/json").path());
  }

  @Test
  void anUnversionedPathIsTheNewestVersion() {
    ApiVersion v = ApiVersion.of("/containers/json");
    assertEquals("1.47", v.text());
    assertEquals("/containers/json", v.path());
    // Not a version: left in the path, so that the route is not found (as Docker's router).
    assertEquals("/vabc/info", ApiVersion.of("/vabc/info").path());
    assertEquals("/v1/info", ApiVersion.of("/v1/info").path());
  }

  @Test
  void versionsOutsideTheRangeAreRefusedWithDockersWords() {
    HttpException old = assertThrows(HttpException.class, () -> ApiVersion.of("/v1.23/info"));
    assertEquals(400, old.status());
    assertEquals("client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client"
        + " to a newer version", old.getMessage());
    HttpException young = assertThrows(HttpException.class, () -> ApiVersion.of("/v1.48/info"));
    assertEquals("client version 1.48 is too new. Maximum supported API version is 1.47", young.getMessage());
    assertThrows(HttpException.class, () -> ApiVersion.of("/v2.0/info"));
    assertEquals("1.24", ApiVersion.of("/v1.24/info").text());
  }

  @Test
  void versionsCompareByNumberNotText() {
    assertTrue(ApiVersion.of("/v1.30/x").lessThan(ApiVersion.of("/v1.47/x")));
    assertFalse(ApiVersion.of("/v1.47/x").lessThan(ApiVersion.of("/v1.30/x")));
    assertTrue(ApiVersion.of("/v1.42/x").atLeast(42));
    assertFalse(ApiVersion.of("/v1.41/x").atLeast(42));
    assertTrue(ApiVersion.of("/v1.100/x".replace("100", "40")).lessThan(ApiVersion.MAX));
  }
}
