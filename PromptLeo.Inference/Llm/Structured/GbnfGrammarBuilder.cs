using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PromptLeo.Inference.Llm.Structured;

/// <summary>
/// Builds a llama.cpp GBNF grammar from JSON schemas (the subset OpenAI's strict structured outputs accept), so sampling
/// can only produce JSON that validates against the schema. Keywords outside the subset are refused with a
/// <see cref="ChatRequestException"/> whose field is the keyword's path, never silently dropped.
/// </summary>
/// <remarks>
/// The grammar keeps JSON compact (at most one space between tokens) and bounds numbers (16 integer digits, 15
/// fraction digits, 3 exponent digits), so a model spends its tokens on content, not on whitespace or digits. Strings
/// exclude surrogates (also as <c>\u</c> escapes), so every answer decodes to valid Unicode.
/// </remarks>
public sealed class GbnfGrammarBuilder
{
    /// <summary>Keywords turned into grammar rules.</summary>
    public static readonly IReadOnlyList<string> SupportedKeywords =
        ["type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "$ref", "$defs",
         "definitions", "minItems", "maxItems", "minLength", "maxLength"];

    // Annotations: they describe, they do not constrain, so ignoring them keeps every valid output valid.
    private static readonly HashSet<string> Annotations =
        ["description", "title", "$schema", "$id", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly"];

    /// <summary>Largest minLength/maxLength/minItems/maxItems honoured; llama.cpp expands bounded repetitions into rules.</summary>
    public const int MaxBound = 1000;

    private static readonly string[] BaseRules =
    [
        "ws ::= \" \"?",
        "json-value ::= json-object | json-array | json-string | json-number | json-boolean | json-null",
        "json-object ::= \"{\" ws ( json-string ws \":\" ws json-value ( \",\" ws json-string ws \":\" ws json-value )* )? ws \"}\"",
        "json-array ::= \"[\" ws ( json-value ( \",\" ws json-value )* )? ws \"]\"",
        "json-string ::= \"\\\"\" json-char* \"\\\"\"",
        "json-char ::= [^\"\\\\\\x7F\\x00-\\x1F\\uD800-\\uDFFF\\U00110000-\\U001FFFFF] | \"\\\\\" ( [\"\\\\/bfnrt] | \"u\" ( [0-9a-cA-CefEF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2} ) )",
        "json-integral ::= \"0\" | [1-9] [0-9]{0,15}",
        "json-integer ::= \"-\"? json-integral",
        "json-number ::= \"-\"? json-integral ( \".\" [0-9]{1,15} )? ( [eE] [-+]? [0-9]{1,3} )?",
        "json-boolean ::= \"true\" | \"false\"",
        "json-null ::= \"null\"",
    ];

    private readonly List<string> _rules = [];
    private readonly Dictionary<string, string> _refRules = new(StringComparer.Ordinal);
    // References being expanded with no '{' or '[' written since: meeting one again is left recursion, which llama.cpp refuses.
    private HashSet<string> _unguarded = new(StringComparer.Ordinal);
    private JsonElement _root;
    private string _rootParam = "";
    private int _next;

    /// <summary>A rule that matches any JSON object.</summary>
    public static string AnyObjectRule => "json-object";

    /// <summary>
    /// Adds rules for <paramref name="schema"/> and returns the expression that matches it. <paramref name="param"/> is
    /// the request field that holds the schema, used to name an unsupported keyword (e.g.
    /// <c>response_format.json_schema.schema.properties.when.format</c>).
    /// </summary>
    public string AddSchema(JsonElement schema, string param)
    {
        _root = schema;
        _rootParam = param;
        return Schema(schema, param);
    }

    /// <summary>The grammar text with <c>root ::= </c><paramref name="rootExpression"/>.</summary>
    public string Build(string rootExpression)
    {
        var text = new StringBuilder();
        text.Append("root ::= ").Append(rootExpression).Append('\n');
        foreach (var rule in BaseRules.Concat(_rules))
            text.Append(rule).Append('\n');
        return text.ToString();
    }

    /// <summary>A GBNF string literal that matches <paramref name="text"/> exactly.</summary>
    public static string Literal(string text)
    {
        var literal = new StringBuilder("\"");
        foreach (var c in text)
        {
            literal.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < ' ' => $"\\x{(int)c:X2}",
                _ => c.ToString(),
            });
        }

        return literal.Append('"').ToString();
    }

    /// <summary>The compact JSON text of a value, as a grammar literal (for <c>const</c> and <c>enum</c>).</summary>
    private static string JsonLiteral(JsonElement value) => Literal(JsonSerializer.Serialize(value, Compact));

    // Non-ASCII and quotes stay as they are, as a model would write them.
    internal static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private string NewRule(string body)
    {
        var name = "r" + (++_next).ToString(CultureInfo.InvariantCulture);
        _rules.Add($"{name} ::= {body}");
        return name;
    }

    private static ChatRequestException Unsupported(string path, string message) => new(path, message);

    private string Schema(JsonElement schema, string path)
    {
        if (schema.ValueKind == JsonValueKind.True)
            return "json-value";
        if (schema.ValueKind != JsonValueKind.Object)
            throw Unsupported(path, $"'{path}' must be a JSON schema object.");
        foreach (var keyword in schema.EnumerateObject())
        {
            if (!SupportedKeywords.Contains(keyword.Name) && !Annotations.Contains(keyword.Name))
            {
                throw Unsupported($"{path}.{keyword.Name}",
                    $"The JSON schema keyword '{keyword.Name}' (at {path}) is not supported for constrained output. " +
                    $"Supported keywords: {string.Join(", ", SupportedKeywords)}.");
            }
        }

        if (schema.TryGetProperty("$ref", out var reference))
            return Ref(reference, path + ".$ref");
        if (schema.TryGetProperty("const", out var constant))
            return JsonLiteral(constant);
        if (schema.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
                throw Unsupported(path + ".enum", "'enum' must be a non-empty array.");
            return "( " + string.Join(" | ", values.EnumerateArray().Select(JsonLiteral)) + " )";
        }

        if (schema.TryGetProperty("anyOf", out var anyOf))
        {
            if (anyOf.ValueKind != JsonValueKind.Array || anyOf.GetArrayLength() == 0)
                throw Unsupported(path + ".anyOf", "'anyOf' must be a non-empty array of schemas.");
            return "( " + string.Join(" | ", anyOf.EnumerateArray().Select((s, i) => Schema(s, $"{path}.anyOf[{i}]"))) + " )";
        }

        var types = Types(schema, path);
        if (types.Count == 0)
        {
            if (schema.TryGetProperty("properties", out _))
                types = ["object"];
            else if (schema.TryGetProperty("items", out _))
                types = ["array"];
            else
                return "json-value";
        }

        var alternatives = types.Select(t => Typed(t, schema, path)).ToList();
        return alternatives.Count == 1 ? alternatives[0] : "( " + string.Join(" | ", alternatives) + " )";
    }

    private static List<string> Types(JsonElement schema, string path)
    {
        if (!schema.TryGetProperty("type", out var type))
            return [];
        if (type.ValueKind == JsonValueKind.String)
            return [type.GetString()!];
        if (type.ValueKind == JsonValueKind.Array && type.GetArrayLength() > 0 && type.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String))
            return [.. type.EnumerateArray().Select(t => t.GetString()!)];
        throw Unsupported(path + ".type", "'type' must be a type name or a non-empty array of type names.");
    }

    private string Typed(string type, JsonElement schema, string path) => type switch
    {
        "object" => ObjectRule(schema, path),
        "array" => ArrayRule(schema, path),
        "string" => StringRule(schema, path),
        "number" => "json-number",
        "integer" => "json-integer",
        "boolean" => "json-boolean",
        "null" => "json-null",
        _ => throw Unsupported(path + ".type", $"Unknown JSON schema type '{type}'."),
    };

    private string StringRule(JsonElement schema, string path)
    {
        var (min, max) = Bounds(schema, path, "minLength", "maxLength");
        if (min == 0 && max is null)
            return "json-string";
        return NewRule($"\"\\\"\" json-char{Repeat(min, max)} \"\\\"\"");
    }

    // Members of objects and arrays come after a '{' or '[', so references inside them may recur.
    private string Guarded(Func<string> member)
    {
        var outer = _unguarded;
        _unguarded = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            return member();
        }
        finally
        {
            _unguarded = outer;
        }
    }

    private string ArrayRule(JsonElement schema, string path)
    {
        var item = schema.TryGetProperty("items", out var items) ? Guarded(() => Schema(items, path + ".items")) : "json-value";
        var (min, max) = Bounds(schema, path, "minItems", "maxItems");
        if (max == 0)
            return "\"[\" ws \"]\"";
        var rest = $"( \",\" ws {item} )";
        var body = min == 0
            ? $"( {item} {rest}{(max is { } m ? Repeat(0, m - 1) : "*")} )?"
            : $"{item} {rest}{Repeat(min - 1, max - 1)}";
        return NewRule($"\"[\" ws {body} ws \"]\"");
    }

    private string ObjectRule(JsonElement schema, string path)
    {
        if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind != JsonValueKind.False)
        {
            throw Unsupported(path + ".additionalProperties",
                "Only 'additionalProperties': false is supported for constrained output (properties must be listed).");
        }

        if (!schema.TryGetProperty("properties", out var properties))
            return additional.ValueKind == JsonValueKind.False ? "\"{\" ws \"}\"" : "json-object";
        if (properties.ValueKind != JsonValueKind.Object)
            throw Unsupported(path + ".properties", "'properties' must be an object.");

        var required = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("required", out var requiredList))
        {
            if (requiredList.ValueKind != JsonValueKind.Array || requiredList.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
                throw Unsupported(path + ".required", "'required' must be an array of property names.");
            foreach (var name in requiredList.EnumerateArray().Select(r => r.GetString()!))
            {
                if (!properties.TryGetProperty(name, out _))
                    throw Unsupported(path + ".required", $"'required' names '{name}', which is not in 'properties'.");
                required.Add(name);
            }
        }

        var pairs = properties.EnumerateObject()
            .Select(p => (Rule: $"{Literal(JsonSerializer.Serialize(p.Name, Compact))} ws \":\" ws {Guarded(() => Schema(p.Value, $"{path}.properties.{p.Name}"))}",
                Required: required.Contains(p.Name)))
            .ToList();
        if (pairs.Count == 0)
            return "\"{\" ws \"}\"";
        if (pairs.All(p => p.Required))
            return NewRule("\"{\" ws " + string.Join(" \",\" ws ", pairs.Select(p => p.Rule)) + " ws \"}\"");

        // Optional properties keep their order: "after" continues once a pair was written, "first" before any was.
        var after = "\"\"";
        var first = "\"\"";
        for (var i = pairs.Count - 1; i >= 0; i--)
        {
            var (rule, isRequired) = pairs[i];
            var nextAfter = NewRule(isRequired ? $"\",\" ws {rule} {after}" : $"( \",\" ws {rule} )? {after}");
            first = NewRule(isRequired ? $"{rule} {after}" : $"{rule} {after} | {first}");
            after = nextAfter;
        }

        return NewRule($"\"{{\" ws {first} ws \"}}\"");
    }

    private static (int Min, int? Max) Bounds(JsonElement schema, string path, string minKeyword, string maxKeyword)
    {
        var min = Bound(schema, path, minKeyword) ?? 0;
        var max = Bound(schema, path, maxKeyword);
        if (max < min)
            throw Unsupported($"{path}.{maxKeyword}", $"'{maxKeyword}' must not be below '{minKeyword}'.");
        return (min, max);
    }

    private static int? Bound(JsonElement schema, string path, string keyword)
    {
        if (!schema.TryGetProperty(keyword, out var value))
            return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var bound) || bound < 0 || bound > MaxBound)
            throw Unsupported($"{path}.{keyword}", $"'{keyword}' must be an integer between 0 and {MaxBound}.");
        return bound;
    }

    private static string Repeat(int min, int? max) => max is { } m
        ? $"{{{min.ToString(CultureInfo.InvariantCulture)},{m.ToString(CultureInfo.InvariantCulture)}}}"
        : min == 0 ? "*" : $"{{{min.ToString(CultureInfo.InvariantCulture)},}}";

    private string Ref(JsonElement reference, string path)
    {
        if (reference.ValueKind != JsonValueKind.String)
            throw Unsupported(path, "'$ref' must be a string.");
        var target = reference.GetString()!;
        // References are local to the schema being added (each tool has its own).
        var key = _rootParam + "|" + target;
        if (_unguarded.Contains(key))
            throw Unsupported(path, $"The '$ref' '{target}' refers back to itself before any object or array, which matches no finite JSON.");
        if (_refRules.TryGetValue(key, out var known))
            return known;
        if (target != "#" && !target.StartsWith("#/", StringComparison.Ordinal))
            throw Unsupported(path, $"'$ref' supports only local references ('#', '#/$defs/...'), not '{target}'.");

        var node = _root;
        var nodePath = _rootParam;
        foreach (var raw in target.Length > 1 ? target[2..].Split('/') : [])
        {
            var segment = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(segment, out node))
                throw Unsupported(path, $"The '$ref' '{target}' does not resolve inside the schema.");
            nodePath += "." + segment;
        }

        // Register the rule name before its body, so recursive schemas refer to themselves.
        var name = "r" + (++_next).ToString(CultureInfo.InvariantCulture);
        _refRules[key] = name;
        _unguarded.Add(key);
        _rules.Add($"{name} ::= {Schema(node, nodePath)}");
        _unguarded.Remove(key);
        return name;
    }
}
