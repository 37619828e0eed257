package dev.corridor.sidecar.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads the {@code --config} file: YAML (JSON is YAML too) with the same setting names as the long command-line
 * options in camelCase. Read as a node tree, never into objects, so a file can only ever set these settings, and
 * every error names the setting and its line.
 */
public final class ConfigFile {
    /** A config file is a screenful of settings; anything this large is a mistake. */
    static final int MAX_SIZE = 256 * 1024;

    private enum Type { TEXT, FLAG, NUMBER, LIST }

    private static final Map<String, Type> SETTINGS = Map.ofEntries(
            Map.entry("server", Type.TEXT), Map.entry("user", Type.TEXT), Map.entry("userFile", Type.TEXT),
            Map.entry("passwordFile", Type.TEXT), Map.entry("passwordOnStdin", Type.FLAG), Map.entry("serverCert", Type.LIST),
            Map.entry("cafile", Type.TEXT), Map.entry("authgroup", Type.TEXT), Map.entry("interface", Type.TEXT),
            Map.entry("dtls", Type.FLAG), Map.entry("baseMtu", Type.NUMBER), Map.entry("httpAddress", Type.TEXT),
            Map.entry("allowDefaultRoute", Type.FLAG), Map.entry("route", Type.LIST), Map.entry("excludeRoute", Type.LIST),
            Map.entry("neverRoute", Type.LIST), Map.entry("reconnectTimeout", Type.NUMBER), Map.entry("reconnectMinDelay", Type.NUMBER),
            Map.entry("reconnectMaxDelay", Type.NUMBER), Map.entry("logLevel", Type.TEXT));

    private ConfigFile() {
    }

    public static Settings load(Path file) throws ConfigException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            // Read with the bound, not after a size check: a device or a FIFO reports no size and may never end.
            bytes = in.readNBytes(MAX_SIZE + 1);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length > MAX_SIZE) {
            throw new ConfigException("config file " + file + " is larger than " + MAX_SIZE + " bytes");
        }
        String content;
        try {
            content = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException("config file " + file + " is not UTF-8 text");
        }
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(10);
            options.setAllowRecursiveKeys(false);
            root = new Yaml(options).compose(new StringReader(content));
        } catch (YAMLException | IllegalArgumentException e) { // SnakeYAML refuses a malformed tag (!he%c) with the latter
            throw new ConfigException("config file " + file + " is not valid YAML: " + e.getMessage().replace('\n', ' '));
        }
        if (root == null) {
            return Settings.empty();
        }
        if (!(root instanceof MappingNode mapping)) {
            throw new ConfigException("config file " + file + at(root) + ": expected settings (key: value lines)");
        }
        Map<String, Object> values = new HashMap<>();
        Map<String, Node> named = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                throw new ConfigException("config file " + file + at(tuple.getKeyNode()) + ": a setting name must be plain text");
            }
            String name = key.getValue();
            // LoaderOptions.setAllowDuplicateKeys covers only construction: a composed node tree keeps both.
            Node earlier = named.putIfAbsent(name, key);
            if (earlier != null) {
                throw new ConfigException("config file " + file + at(key) + ": setting '" + name + "' is set a second time (first on line "
                        + (earlier.getStartMark().getLine() + 1) + ")");
            }
            Type type = SETTINGS.get(name);
            if (type == null) {
                throw new ConfigException("config file " + file + at(key) + ": unknown setting '" + name
                        + "'; known settings are " + String.join(", ", new TreeSet<>(SETTINGS.keySet())));
            }
            Node value = tuple.getValueNode();
            if (value instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL)) {
                continue;
            }
            values.put(name, read(file, name, type, value));
        }
        return new Settings(
                (String) values.get("server"),
                (String) values.get("user"),
                path(values.get("userFile")),
                path(values.get("passwordFile")),
                (Boolean) values.get("passwordOnStdin"),
                strings(values.get("serverCert")),
                path(values.get("cafile")),
                (String) values.get("authgroup"),
                (String) values.get("interface"),
                (Boolean) values.get("dtls"),
                (Integer) values.get("baseMtu"),
                (String) values.get("httpAddress"),
                (Boolean) values.get("allowDefaultRoute"),
                strings(values.get("route")),
                strings(values.get("excludeRoute")),
                strings(values.get("neverRoute")),
                (Integer) values.get("reconnectTimeout"),
                (Integer) values.get("reconnectMinDelay"),
                (Integer) values.get("reconnectMaxDelay"),
                (String) values.get("logLevel"));
    }

    private static Object read(Path file, String name, Type type, Node value) throws ConfigException {
        String expected = "config file " + file + at(value) + ": setting '" + name + "' must be ";
        ScalarNode scalar = value instanceof ScalarNode node ? node : null;
        return switch (type) {
            case TEXT -> {
                if (scalar == null || scalar.getTag().equals(Tag.BOOL) || scalar.getTag().equals(Tag.FLOAT)) {
                    throw new ConfigException(expected + "text");
                }
                yield scalar.getValue();
            }
            case FLAG -> {
                // YAML 1.1 also reads yes, no, on and off as flags, and YAML 1.2 does not: only true and false are unambiguous.
                if (scalar == null || !scalar.getTag().equals(Tag.BOOL)
                        || !(scalar.getValue().equalsIgnoreCase("true") || scalar.getValue().equalsIgnoreCase("false"))) {
                    throw new ConfigException(expected + "true or false");
                }
                yield Boolean.valueOf(scalar.getValue().equalsIgnoreCase("true"));
            }
            case NUMBER -> {
                if (scalar == null || !scalar.getTag().equals(Tag.INT) || !scalar.getValue().matches("-?\\d{1,9}")) {
                    throw new ConfigException(expected + "a whole number");
                }
                yield Integer.valueOf(scalar.getValue());
            }
            case LIST -> {
                if (!(value instanceof SequenceNode sequence)) {
                    throw new ConfigException(expected + "a list");
                }
                List<String> items = new ArrayList<>();
                for (Node item : sequence.getValue()) {
                    if (!(item instanceof ScalarNode text)) {
                        throw new ConfigException("config file " + file + at(item) + ": each item of '" + name + "' must be text");
                    }
                    items.add(text.getValue());
                }
                yield items;
            }
        };
    }

    private static String at(Node node) {
        return " (line " + (node.getStartMark().getLine() + 1) + ")";
    }

    private static Path path(Object value) {
        return value == null ? null : Path.of((String) value);
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object value) {
        return (List<String>) value;
    }
}
