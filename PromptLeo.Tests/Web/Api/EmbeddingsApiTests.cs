using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Numerics.Tensors;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Embeddings;
using PromptLeo.Inference;
using PromptLeo.Inference.Models;
using PromptLeo.Inference.Models.Demo;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Records;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Web.Api;

/// <summary>
/// /v1/embeddings through the official OpenAI .NET client (which asks for base64) and raw HTTP (float), against the
/// generated demo embedding model in the real LLamaSharp embedder, metered like chat.
/// </summary>
public sealed class EmbeddingsApiTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private const string Model = DemoEmbeddingModelWriter.DemoModelId;

    private EmbeddingClient Client(string secret, string model = Model) => new OpenAIClient(new ApiKeyCredential(secret), new OpenAIClientOptions
    {
        Endpoint = new Uri(factory.Server.BaseAddress, "/v1"),
        Transport = new HttpClientPipelineTransport(factory.CreateClient()),
    }).GetEmbeddingClient(model);

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("error").Clone();
    }

    [Fact]
    public async Task OpenAiClient_Batch_IndexedUnitVectorsWithUsageBilledAndRecorded()
    {
        var (_, userId, key) = await factory.CreateApiClientAsync();

        OpenAIEmbeddingCollection result = await Client(key.Secret).GenerateEmbeddingsAsync(["hello world", "data privacy", "the model"]);

        Assert.Equal(Model, result.Model);
        Assert.Equal([0, 1, 2], result.Select(e => e.Index));
        Assert.All(result, e => Assert.Equal(64, e.ToFloats().Length));
        Assert.All(result, e => Assert.Equal(1f, TensorPrimitives.Norm(e.ToFloats().Span), 4));
        Assert.True(result.Usage.InputTokenCount > 0);
        Assert.Equal(result.Usage.InputTokenCount, result.Usage.TotalTokenCount);
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal(("embedding", Model, result.Usage.InputTokenCount, 0, key.Key.Id), (usage.Kind, usage.ModelId, usage.InputTokens, usage.OutputTokens, usage.ApiKeyId));
        Assert.True(usage.AmountMicros > 0);
        var record = Assert.Single(await factory.RecordsAsync(userId));
        Assert.Equal((ProcessingPurpose.Embedding, ProcessingOutcome.Completed, "api", Model, usage.RequestId),
            (record.Purpose, record.Outcome, record.Channel, record.ModelId, record.RequestId));
    }

    [Fact]
    public async Task Models_ListsTheDemoEmbeddingModelWithItsKind()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();

        using var doc = JsonDocument.Parse(await client.GetStringAsync("/v1/models/" + Model));

        Assert.Equal("embedding", doc.RootElement.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task OpenAiClient_SameInput_SameVectorAloneOrInABatch()
    {
        var (_, _, key) = await factory.CreateApiClientAsync();
        var client = Client(key.Secret);

        OpenAIEmbedding alone = await client.GenerateEmbeddingAsync("privacy first");
        OpenAIEmbedding again = await client.GenerateEmbeddingAsync("privacy first");
        OpenAIEmbeddingCollection batch = await client.GenerateEmbeddingsAsync(["something else", "privacy first"]);

        Assert.Equal(alone.ToFloats().ToArray(), again.ToFloats().ToArray());
        Assert.Equal(alone.ToFloats().ToArray(), batch[1].ToFloats().ToArray());
        Assert.NotEqual(batch[0].ToFloats().ToArray(), batch[1].ToFloats().ToArray());
    }

    [Fact]
    public async Task FloatAndBase64_SameInput_SameValues()
    {
        var (client, _, key) = await factory.CreateApiClientAsync();

        var response = await client.PostAsync("/v1/embeddings", Json(new { model = Model, input = "hello data", encoding_format = "float", user = "end-user-7" }));
        OpenAIEmbedding viaBase64 = await Client(key.Secret).GenerateEmbeddingAsync("hello data");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;
        Assert.Equal("list", root.GetProperty("object").GetString());
        var item = Assert.Single(root.GetProperty("data").EnumerateArray());
        Assert.Equal(("embedding", 0), (item.GetProperty("object").GetString(), item.GetProperty("index").GetInt32()));
        var floats = item.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(viaBase64.ToFloats().ToArray(), floats);
        Assert.True(root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Dimensions_MatryoshkaModel_ShorterUnitVectorFromThePrefix()
    {
        var (_, _, key) = await factory.CreateApiClientAsync();
        var client = Client(key.Secret);

        OpenAIEmbedding full = await client.GenerateEmbeddingAsync("privacy");
        OpenAIEmbedding shorter = await client.GenerateEmbeddingAsync("privacy", new EmbeddingGenerationOptions { Dimensions = 16 });

        var vector = shorter.ToFloats().ToArray();
        Assert.Equal(16, vector.Length);
        Assert.Equal(1f, TensorPrimitives.Norm(vector), 4);
        Assert.True(TensorPrimitives.CosineSimilarity(full.ToFloats().Span[..16], vector) > 0.9999f);
    }

    [Fact]
    public async Task Dimensions_FixedSizeModel_400NamingTheField()
    {
        var directory = factory.Services.GetRequiredService<IOptions<InferenceOptions>>().Value.ModelsDirectory;
        await DemoEmbeddingModelWriter.WriteAsync(directory, new DemoEmbeddingModelOptions { Id = "demo-embedding-fixed", Matryoshka = false });
        await factory.Services.GetRequiredService<IModelRegistry>().RescanAsync();
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var error = await ErrorAsync(await client.PostAsync("/v1/embeddings", Json(new { model = "demo-embedding-fixed", input = "x", dimensions = 16 })), HttpStatusCode.BadRequest);

        Assert.Equal("dimensions", error.GetProperty("param").GetString());
        Assert.Contains("not Matryoshka", error.GetProperty("message").GetString());
        Assert.Empty(await factory.UsageEventsAsync(userId));
    }

    [Theory]
    [InlineData("""{"model":"demo-embedding"}""", "input", "missing_required_parameter")]
    [InlineData("""{"model":"demo-embedding","input":[]}""", "input", "invalid_value")]
    [InlineData("""{"model":"demo-embedding","input":""}""", "input", "invalid_value")]
    [InlineData("""{"model":"demo-embedding","input":["ok",""]}""", "input[1]", "invalid_value")]
    [InlineData("""{"model":"demo-embedding","input":{"text":"x"}}""", "input", "invalid_type")]
    [InlineData("""{"model":"demo-embedding","input":["ok",3]}""", "input", "unsupported_input")]
    [InlineData("""{"model":"demo-embedding","input":"x","encoding_format":"hex"}""", "encoding_format", "invalid_value")]
    [InlineData("""{"model":"demo-embedding","input":"x","dimensions":0}""", "dimensions", "invalid_value")]
    [InlineData("""{"model":"demo-embedding","input":"x","dimensions":"8"}""", "dimensions", "invalid_type")]
    [InlineData("""{"model":"demo-chat","input":"x"}""", "model", "wrong_model_kind")]
    public async Task MalformedRequest_400NamingTheParameterAndNothingCharged(string body, string param, string code)
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var error = await ErrorAsync(await client.PostAsync("/v1/embeddings", new StringContent(body, System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

        Assert.Equal((param, code), (error.GetProperty("param").GetString(), error.GetProperty("code").GetString()));
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Empty(await factory.UsageEventsAsync(userId));
    }

    [Fact]
    public async Task OpenAiClient_TokenArrays_400SayingToSendText()
    {
        var (_, _, key) = await factory.CreateApiClientAsync();

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Client(key.Secret).GenerateEmbeddingsAsync([new ReadOnlyMemory<int>([1, 2, 3])]));

        Assert.Equal(400, error.Status);
        Assert.Contains("Token arrays are not supported", error.Message);
    }

    [Fact]
    public async Task TooManyInputs_400()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();

        var error = await ErrorAsync(await client.PostAsync("/v1/embeddings", Json(new { model = Model, input = Enumerable.Repeat("x", 257).ToArray() })), HttpStatusCode.BadRequest);

        Assert.Equal(("input", "too_many_inputs"), (error.GetProperty("param").GetString(), error.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task InputLongerThanTheModelReads_400RecordedFailedAndNotCharged()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();

        var error = await ErrorAsync(await client.PostAsync("/v1/embeddings", Json(new { model = Model, input = new[] { "short", new string('x', 3000) } })), HttpStatusCode.BadRequest);

        Assert.Equal("input", error.GetProperty("param").GetString());
        Assert.Contains("Input 1 has", error.GetProperty("message").GetString());
        Assert.Empty(await factory.UsageEventsAsync(userId));
        Assert.Equal(ProcessingOutcome.Failed, Assert.Single(await factory.RecordsAsync(userId)).Outcome);
    }

    [Fact]
    public async Task UnknownModel_404ModelNotFound()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();

        var error = await ErrorAsync(await client.PostAsync("/v1/embeddings", Json(new { model = "no-such-embedder", input = "x" })), HttpStatusCode.NotFound);

        Assert.Equal(("model", "model_not_found"), (error.GetProperty("param").GetString(), error.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task KeyBudgetSpent_402AsChat()
    {
        var userId = await factory.CreateUserAsync();
        var capped = await factory.CreateKeyAsync(userId, budgetEur: 0m);

        var error = await ErrorAsync(await factory.ClientWithKey(capped.Secret).PostAsync("/v1/embeddings", Json(new { model = Model, input = "hi" })), HttpStatusCode.PaymentRequired);

        Assert.Equal("insufficient_quota", error.GetProperty("type").GetString());
        Assert.Empty(await factory.UsageEventsAsync(userId));
    }

    [Fact]
    public async Task KeyWithoutChatScope_403()
    {
        var userId = await factory.CreateUserAsync();
        var imagesOnly = await factory.CreateKeyAsync(userId, scopes: [ApiScopes.Images]);

        var response = await factory.ClientWithKey(imagesOnly.Secret).PostAsync("/v1/embeddings", Json(new { model = Model, input = "hi" }));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task TwoAccounts_EachSeesOnlyItsOwnUsageAndRecords()
    {
        var (_, alice, aliceKey) = await factory.CreateApiClientAsync();
        var (_, bob, bobKey) = await factory.CreateApiClientAsync();

        await Client(aliceKey.Secret).GenerateEmbeddingAsync("alice's private sentence");
        var bobBefore = (await factory.UsageEventsAsync(bob), await factory.RecordsAsync(bob));
        await Client(bobKey.Secret).GenerateEmbeddingAsync("bob's text");

        Assert.Empty(bobBefore.Item1);
        Assert.Empty(bobBefore.Item2);
        var aliceUsage = Assert.Single(await factory.UsageEventsAsync(alice));
        var bobUsage = Assert.Single(await factory.UsageEventsAsync(bob));
        Assert.Equal((aliceKey.Key.Id, bobKey.Key.Id), (aliceUsage.ApiKeyId, bobUsage.ApiKeyId));
        Assert.NotEqual(aliceUsage.OrganizationId, bobUsage.OrganizationId);
        Assert.Single(await factory.RecordsAsync(alice));
        Assert.Single(await factory.RecordsAsync(bob));
    }
}
