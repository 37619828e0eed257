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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    private ConfigFile() {}

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
            content = StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException("config file " + file + " is not UTF-8 text");
        }
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(10);
            options.setAllowRecursiveKeys(false);
            root = new Yaml(options).compose(new StringReader(content));
        } catch (YAMLException
                | IllegalArgumentException e) { // SnakeYAML refuses a malformed tag (!he%c) with the latter
            throw new ConfigException("config file " + file + " is not valid YAML: "
                    + e.getMessage().replace('\n', ' '));
        }
        if (root == null) {
            return Settings.empty();
        }
        if (!(root instanceof MappingNode mapping)) {
            throw new ConfigException("config file " + file + at(root) + ": expected settings (key: value lines)");
        }
        Settings settings = Settings.empty();
        Map<String, Node> named = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                throw new ConfigException(
                        "config file " + file + at(tuple.getKeyNode()) + ": a setting name must be plain text");
            }
            String name = key.getValue();
            // LoaderOptions.setAllowDuplicateKeys covers only construction: a composed node tree keeps both.
            Node earlier = named.putIfAbsent(name, key);
            if (earlier != null) {
                throw new ConfigException("config file " + file + at(key) + ": setting '" + name
                        + "' is set a second time (first on line "
                        + (earlier.getStartMark().getLine() + 1) + ")");
            }
            Setting setting = Setting.byKey(name)
                    .orElseThrow(() -> new ConfigException("config file " + file + at(key)
                            + ": unknown setting '" + name + "'; "
                            + Arrays.stream(Setting.values())
                                    .map(Setting::key)
                                    .filter(name::equalsIgnoreCase)
                                    .findFirst()
                                    .map(known -> "did you mean '" + known + "'?")
                                    .orElseGet(() -> "known settings are "
                                            + String.join(
                                                    ", ",
                                                    Arrays.stream(Setting.values())
                                                            .map(Setting::key)
                                                            .sorted()
                                                            .toList()))));
            Node value = tuple.getValueNode();
            if (value instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL)) {
                continue;
            }
            settings = settings.with(setting, read(file, setting, value));
        }
        return settings;
    }

    private static Object read(Path file, Setting setting, Node value) throws ConfigException {
        String name = setting.key();
        String expected = "config file " + file + at(value) + ": setting '" + name + "' must be ";
        ScalarNode scalar = value instanceof ScalarNode node ? node : null;
        return switch (setting.kind()) {
            case TEXT -> {
                if (scalar == null
                        || scalar.getTag().equals(Tag.BOOL)
                        || scalar.getTag().equals(Tag.FLOAT)) {
                    throw new ConfigException(expected + "text");
                }
                yield scalar.getValue();
            }
            case FLAG -> {
                // YAML 1.1 also reads yes, no, on and off as flags, and YAML 1.2 does not: only true and false are
                // unambiguous.
                if (scalar == null
                        || !scalar.getTag().equals(Tag.BOOL)
                        || !(scalar.getValue().equalsIgnoreCase("true")
                                || scalar.getValue().equalsIgnoreCase("false"))) {
                    throw new ConfigException(expected + "true or false");
                }
                yield Boolean.valueOf(scalar.getValue().equalsIgnoreCase("true"));
            }
            case NUMBER -> {
                if (scalar == null
                        || !scalar.getTag().equals(Tag.INT)
                        || !scalar.getValue().matches("-?\\d{1,9}")) {
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
                        throw new ConfigException(
                                "config file " + file + at(item) + ": each item of '" + name + "' must be text");
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
}
