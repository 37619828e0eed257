package dev.corridor.sidecar.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Reads the {@code --config} file: YAML (or JSON) with the same setting names as the long command-line options. */
public final class ConfigFile {
    /** A config file is a screenful of settings; anything this large is a mistake. */
    static final long MAX_SIZE = 256 * 1024;

    private ConfigFile() {
    }

    public static Settings load(Path file) throws ConfigException {
        byte[] content;
        try {
            if (Files.size(file) > MAX_SIZE) {
                throw new ConfigException("config file " + file + " is larger than " + MAX_SIZE + " bytes");
            }
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        if (new String(content, StandardCharsets.UTF_8).isBlank()) {
            return Settings.empty();
        }
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS);
        try {
            return mapper.readValue(content, Settings.class);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw new ConfigException("config file " + file + lineOf(content, e.getPropertyName()) + ": unknown setting '" + e.getPropertyName()
                    + "'; known settings are " + known);
        } catch (MismatchedInputException e) {
            throw new ConfigException("config file " + file + where(e) + ": setting '" + path(e) + "' must be "
                    + describe(e.getTargetType()));
        } catch (JsonProcessingException e) {
            throw new ConfigException("config file " + file + where(e) + " is not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The line that sets a property: the parser's own location points past it. */
    private static String lineOf(byte[] content, String property) {
        List<String> lines = new String(content, StandardCharsets.UTF_8).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).matches("\\s*\"?" + Pattern.quote(property) + "\"?\\s*:.*")) {
                return " (line " + (i + 1) + ")";
            }
        }
        return "";
    }

    private static String where(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        return location == null || location.getLineNr() < 0 ? "" : " (line " + location.getLineNr() + ")";
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(reference -> reference.getFieldName() != null ? reference.getFieldName() : "[" + reference.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Integer.class || type == int.class) {
            return "a whole number";
        }
        if (java.util.List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a string";
    }
}
