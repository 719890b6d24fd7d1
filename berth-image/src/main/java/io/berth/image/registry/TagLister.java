package io.berth.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code /v2/<name>/tags/list}, following the {@code Link: <...>; rel="next"} pages. */
final class TagLister {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NEXT = Pattern.compile("<([^>]*)>\\s*;[^,]*rel=\"?next\"?");
    private static final int MAX_PAGES = 100_000;

    private final RegistryTransport transport;

    TagLister(RegistryTransport transport) {
        this.transport = transport;
    }

    List<String> list(String registry, String repository) {
        String subject = "tags of \"" + repository + "\"";
        List<String> tags = new ArrayList<>();
        URI uri = transport.url(registry, "/v2/" + repository + "/tags/list?n=" + transport.config().tagPageSize());
        for (int page = 0; uri != null; page++) {
            if (page == MAX_PAGES) {
                throw new RegistryException(registry, subject + ": more than " + MAX_PAGES + " pages", 0);
            }
            RegistryTransport.Call call = new RegistryTransport.Call(registry, repository, subject)
                    .uri(uri).header("Accept", "application/json").scopes(RegistryTransport.pull(repository));
            HttpResponse<InputStream> response = transport.send(call);
            if (response.statusCode() == 404) {
                RegistryTransport.discard(response);
                throw new RegistryException(registry, "repository \"" + repository + "\" not found", 404);
            }
            if (response.statusCode() != 200) {
                throw transport.failure(call, response);
            }
            try (InputStream in = response.body()) {
                for (JsonNode tag : JSON.readTree(in).path("tags")) {
                    tags.add(tag.asText());
                }
            } catch (IOException e) {
                throw new RegistryException(registry, subject + ": unreadable answer (" + e.getMessage() + ")", 0, e);
            }
            URI current = uri;
            uri = response.headers().firstValue("Link").map(NEXT::matcher).filter(Matcher::find)
                    .map(m -> current.resolve(m.group(1))).filter(next -> !next.equals(current)).orElse(null);
        }
        return tags;
    }
}
