package io.berth.image.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 7235): a scheme and its parameters,
 * e.g. {@code Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"}.
 * Parameter values may be quoted and hold commas (a scope with {@code pull,push}) and escapes.
 *
 * @param scheme lowercased: {@code bearer} or {@code basic}
 * @param params parameter names lowercased, values unquoted
 */
record AuthChallenge(String scheme, Map<String, String> params) {

    boolean isBearer() {
        return scheme.equals("bearer");
    }

    boolean isBasic() {
        return scheme.equals("basic");
    }

    String param(String name) {
        return params.get(name);
    }

    /**
     * The challenge as remembered for later requests of other repositories: where to get tokens,
     * without the scope and error that concerned only the request that drew it.
     */
    AuthChallenge forLaterRequests() {
        Map<String, String> kept = new LinkedHashMap<>(params);
        kept.remove("scope");
        kept.remove("error");
        return new AuthChallenge(scheme, Map.copyOf(kept));
    }

    /** The scopes the registry asks for; a registry may list several, separated by spaces. */
    List<String> scopes() {
        String scope = params.get("scope");
        if (scope == null || scope.isBlank()) {
            return List.of();
        }
        return List.of(scope.trim().split("\\s+"));
    }

    /** All challenges in the given header values, in order; unparsable remainders are dropped. */
    static List<AuthChallenge> parseAll(List<String> headerValues) {
        List<AuthChallenge> out = new ArrayList<>();
        for (String value : headerValues) {
            new Parser(value).parseInto(out);
        }
        return out;
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        void parseInto(List<AuthChallenge> out) {
            String scheme = null;
            Map<String, String> params = new LinkedHashMap<>();
            while (true) {
                skip(" \t,");
                if (pos >= s.length()) {
                    break;
                }
                String token = token();
                if (token.isEmpty()) {
                    break;
                }
                skip(" \t");
                if (pos < s.length() && s.charAt(pos) == '=' && scheme != null) {
                    pos++;
                    skip(" \t");
                    params.put(token.toLowerCase(Locale.ROOT), value());
                } else {
                    // A token not followed by '=' starts the next challenge.
                    if (scheme != null) {
                        out.add(new AuthChallenge(scheme, Map.copyOf(params)));
                        params.clear();
                    }
                    scheme = token.toLowerCase(Locale.ROOT);
                }
            }
            if (scheme != null) {
                out.add(new AuthChallenge(scheme, Map.copyOf(params)));
            }
        }

        private void skip(String chars) {
            while (pos < s.length() && chars.indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        private String token() {
            int start = pos;
            while (pos < s.length() && " \t,=\"".indexOf(s.charAt(pos)) < 0) {
                pos++;
            }
            return s.substring(start, pos);
        }

        private String value() {
            if (pos < s.length() && s.charAt(pos) == '"') {
                pos++;
                StringBuilder b = new StringBuilder();
                while (pos < s.length() && s.charAt(pos) != '"') {
                    char c = s.charAt(pos++);
                    if (c == '\\' && pos < s.length()) {
                        c = s.charAt(pos++);
                    }
                    b.append(c);
                }
                pos++; // closing quote
                return b.toString();
            }
            int start = pos;
            while (pos < s.length() && s.charAt(pos) != ',') {
                pos++;
            }
            return s.substring(start, pos).trim();
        }
    }
}
