package dev.corridor.sidecar.config;

import java.io.IOException;
import java.io.StringReader;
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
    static final long MAX_SIZE = 256 * 1024;

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
        String content;
        try {
            if (Files.size(file) > MAX_SIZE) {
                throw new ConfigException("config file " + file + " is larger than " + MAX_SIZE + " bytes");
            }
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            options.setMaxAliasesForCollections(10);
            options.setAllowRecursiveKeys(false);
            root = new Yaml(options).compose(new StringReader(content));
        } catch (YAMLException e) {
            throw new ConfigException("config file " + file + " is not valid YAML: " + e.getMessage().replace('\n', ' '));
        }
        if (root == null) {
            return Settings.empty();
        }
        if (!(root instanceof MappingNode mapping)) {
            throw new ConfigException("config file " + file + at(root) + ": expected settings (key: value lines)");
        }
        Map<String, Object> values = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                throw new ConfigException("config file " + file + at(tuple.getKeyNode()) + ": a setting name must be plain text");
            }
            String name = key.getValue();
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
                if (scalar == null || !scalar.getTag().equals(Tag.BOOL)) {
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
