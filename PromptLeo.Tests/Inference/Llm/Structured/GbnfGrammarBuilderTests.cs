extern alias JsonSchemaNet;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using JsonSchemaNet::Json.Schema;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Llm.Structured;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Inference.Llm.Structured;

/// <summary>
/// The JSON-schema-to-GBNF converter: unsupported keywords are refused with their path; the grammars it writes load in
/// llama.cpp and force a random-weight model (the real engine) to answer with JSON that validates against the schema.
/// </summary>
public sealed class GbnfGrammarBuilderTests : IAsyncLifetime
{
    private TinyModels _models = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _models = await TinyModels.CreateAsync(TinyModels.ChatModel(), ThinkingModels.Qwen3());
        _services = _models.BuildServices();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _models.DisposeAsync();
    }

    internal const string PersonSchema = """
        {
          "type": "object",
          "properties": {
            "name": { "type": "string", "maxLength": 12 },
            "age": { "type": "integer" },
            "score": { "type": "number" },
            "member": { "type": "boolean" },
            "role": { "enum": ["admin", "user", "it's \"quoted\""] },
            "version": { "const": 2 },
            "nickname": { "type": ["string", "null"], "maxLength": 6 },
            "tags": { "type": "array", "items": { "type": "string", "maxLength": 5 }, "maxItems": 3 },
            "address": { "$ref": "#/$defs/address" }
          },
          "required": ["name", "age", "score", "member", "role", "version", "nickname", "tags", "address"],
          "additionalProperties": false,
          "$defs": {
            "address": {
              "type": "object",
              "properties": { "city": { "type": "string", "maxLength": 8 }, "zip": { "anyOf": [{ "type": "integer" }, { "type": "null" }] } },
              "required": ["city", "zip"],
              "additionalProperties": false
            }
          }
        }
        """;

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private async Task<(string Text, FinishReason? Finish)> GenerateAsync(string grammar, uint seed, int maxTokens = 600)
    {
        var request = new ChatRequest("tiny-chat", [new ChatMessage(ChatRole.User, "json please")],
            new SamplingOptions { MaxTokens = maxTokens, Temperature = 1f, Seed = seed, Grammar = grammar });
        var text = new StringBuilder();
        FinishReason? finish = null;
        await foreach (var update in _services.GetRequiredService<IChatEngine>().StreamAsync(request))
        {
            text.Append(update.TextDelta);
            finish = update.FinishReason ?? finish;
        }
        return (text.ToString(), finish);
    }

    public static TheoryData<uint> Seeds => [1, 2, 3];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Grammar_StrictSchemaOnRandomWeights_AnswerValidatesAgainstSchema(uint seed)
    {
        var builder = new GbnfGrammarBuilder();
        var grammar = builder.Build(builder.AddSchema(Parse(PersonSchema), "schema"));

        var (text, finish) = await GenerateAsync(grammar, seed);

        Assert.Equal(FinishReason.Stop, finish);
        var result = JsonSchema.FromText(PersonSchema).Evaluate(JsonDocument.Parse(text).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, text);
    }

    private const string LinkedListSchema = """
        {
          "type": "object",
          "properties": { "v": { "type": "integer" }, "next": { "anyOf": [{ "$ref": "#" }, { "type": "null" }] } },
          "required": ["v", "next"],
          "additionalProperties": false
        }
        """;

    // Non-strict schemas leave properties out of "required": the grammar lets the model skip them, keeping the order.
    private const string OptionalSchema = """
        {
          "type": "object",
          "properties": { "a": { "type": "boolean" }, "b": { "type": "integer" }, "c": { "type": "null" }, "d": { "const": "x" } },
          "required": ["b"]
        }
        """;

    public static TheoryData<string> ValidSchemas => [LinkedListSchema, OptionalSchema];

    [Theory]
    [MemberData(nameof(ValidSchemas))]
    public async Task Grammar_RecursiveOrOptionalSchema_AnswerValidatesAgainstSchema(string schema)
    {
        var builder = new GbnfGrammarBuilder();
        var grammar = builder.Build(builder.AddSchema(Parse(schema), "schema"));

        foreach (var seed in new uint[] { 4, 5 })
        {
            var (text, finish) = await GenerateAsync(grammar, seed);

            Assert.Equal(FinishReason.Stop, finish);
            Assert.True(JsonSchema.FromText(schema).Evaluate(JsonDocument.Parse(text).RootElement).IsValid, text);
        }
    }

    [Fact]
    public async Task Grammar_JsonObjectMode_AnswerIsOneJsonObject()
    {
        var grammar = new GbnfGrammarBuilder().Build(GbnfGrammarBuilder.AnyObjectRule);

        var (text, finish) = await GenerateAsync(grammar, seed: 1, maxTokens: 1500);

        Assert.Equal(FinishReason.Stop, finish);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(text).RootElement.ValueKind);
    }

    [Fact]
    public async Task Grammar_MaxTokensRunsOut_FinishesWithLengthAndAPrefixOfJson()
    {
        var builder = new GbnfGrammarBuilder();
        var grammar = builder.Build(builder.AddSchema(Parse(PersonSchema), "schema"));

        var (text, finish) = await GenerateAsync(grammar, seed: 1, maxTokens: 5);

        Assert.Equal(FinishReason.Length, finish);
        Assert.StartsWith("{", text, StringComparison.Ordinal);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(text));
    }

    public static TheoryData<string, string> UnsupportedSchemas => new()
    {
        { """{"type":"string","format":"date"}""", "schema.format" },
        { """{"type":"object","properties":{"n":{"type":"integer","minimum":1}}}""", "schema.properties.n.minimum" },
        { """{"type":"string","pattern":"^a"}""", "schema.pattern" },
        { """{"oneOf":[{"type":"string"}]}""", "schema.oneOf" },
        { """{"type":"object","properties":{},"additionalProperties":true}""", "schema.additionalProperties" },
        { """{"type":"array","items":{"type":"date"}}""", "schema.items.type" },
        { """{"$ref":"https://example.com/s.json"}""", "schema.$ref" },
        { """{"$ref":"#/$defs/missing"}""", "schema.$ref" },
        { """{"type":"object","properties":{"a":{}},"required":["b"]}""", "schema.required" },
        { """{"type":"string","maxLength":100000}""", "schema.maxLength" },
        { """{"anyOf":[{"$ref":"#"},{"type":"null"}]}""", "schema.anyOf[0].$ref" },
        { """{"$ref":"#/$defs/a","$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}}}""", "schema.$defs.b.$ref" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedSchemas))]
    public void AddSchema_UnsupportedKeywordOrValue_RefusedNamingItsPath(string schema, string field)
    {
        var error = Assert.Throws<ChatRequestException>(() => new GbnfGrammarBuilder().AddSchema(Parse(schema), "schema"));

        Assert.Equal(field, error.Field);
        Assert.Contains(field.Split('.')[^1], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Literal_QuotesBackslashesAndControlCharacters_AreEscaped()
    {
        Assert.Equal("\"a\\\"b\\\\c\\n\\x01\"", GbnfGrammarBuilder.Literal("a\"b\\c\n\u0001"));
    }

    [Fact]
    public async Task StreamAsync_ThinkingModelWithJsonFormat_AnswersWithoutThinking()
    {
        var request = new ChatRequest(ThinkingModels.Id, [new ChatMessage(ChatRole.User, "json please")],
            new SamplingOptions { MaxTokens = 400, Temperature = 1f, Seed = 2 }) { ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonObject) };
        var updates = new List<ChatUpdate>();
        await foreach (var update in _services.GetRequiredService<IChatEngine>().StreamAsync(request))
            updates.Add(update);

        Assert.All(updates, u => Assert.Equal("", u.ReasoningDelta));
        Assert.Equal(0, updates[^1].ReasoningTokens);
        Assert.Equal(FinishReason.Stop, updates[^1].FinishReason);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(string.Concat(updates.Select(u => u.TextDelta))).RootElement.ValueKind);
    }
}
