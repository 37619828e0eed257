package dev.corridor.sidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void writesWhatAJsonParserReadsBack() throws Exception {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("state", "connected");
        document.put("ready", true);
        document.put("mtu", 1434);
        document.put("bytes", 20L * 1024 * 1024 * 1024);
        document.put("rtt", 0.25);
        document.put("address", null);
        document.put("routes", List.of("10.20.0.0/16", "10.99.0.0/24"));
        document.put("error", "line\nbreak \"quoted\" back\\slash \u0001 naïve");
        document.put("nested", Map.of("empty", List.of()));

        String json = Json.write(document);

        assertThat(new ObjectMapper().readValue(json, Map.class))
                .isEqualTo(new ObjectMapper().convertValue(document, Map.class));
        assertThat(json).startsWith("{\"state\":\"connected\",\"ready\":true,\"mtu\":1434,");
        assertThat(json).contains("\\u0001").contains("\\n").doesNotContain("\n");
    }

    @Test
    void refusesWhatHasNoJsonForm() {
        assertThatThrownBy(() -> Json.write(Arrays.asList(new Object()))).isInstanceOf(IllegalArgumentException.class);
    }
}
