using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Records;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Web.Api;

/// <summary>
/// The /v1/collections extension and the <c>collections</c> field of /v1/chat/completions, over HTTP against the real
/// knowledge service (real extraction, the demo embedding model, encrypted storage).
/// </summary>
public sealed class CollectionsApiTests(KnowledgePortal factory) : IClassFixture<KnowledgePortal>
{
    private static readonly string[] AllScopes = [ApiScopes.Chat, ApiScopes.Images, ApiScopes.Knowledge];

    private static string Phrase(string stem) => $"{stem}{Guid.NewGuid():N}"[..(stem.Length + 10)];

    private async Task<(HttpClient Client, string UserId, string Secret)> KnowledgeClientAsync(string[]? scopes = null)
    {
        var userId = await factory.CreateUserAsync();
        var key = await factory.CreateKeyAsync(userId, scopes: scopes ?? AllScopes);
        return (factory.ClientWithKey(key.Secret), userId, key.Secret);
    }

    private static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("error").Clone();
    }

    private static async Task<string> CreateCollectionAsync(HttpClient client, string name = "Handbücher") =>
        (await OkJsonAsync(await client.PostAsync("/v1/collections", Json(new { name })))).GetProperty("id").GetString()!;

    private static MultipartFormDataContent FileForm(string fileName, byte[] content)
    {
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { file, "file", fileName } };
    }

    /// <summary>Uploads through the API and polls the file until it is ready or failed.</summary>
    private static async Task<JsonElement> UploadSettledAsync(HttpClient client, string collectionId, string fileName, byte[] content)
    {
        var uploaded = await OkJsonAsync(await client.PostAsync($"/v1/collections/{collectionId}/files", FileForm(fileName, content)));
        Assert.Equal("collection.file", uploaded.GetProperty("object").GetString());
        var fileId = uploaded.GetProperty("id").GetString();
        for (var i = 0; i < 600; i++)
        {
            var file = await OkJsonAsync(await client.GetAsync($"/v1/collections/{collectionId}/files/{fileId}"));
            if (file.GetProperty("status").GetString() is "ready" or "failed")
            {
                return file;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{fileName} did not settle in 60 s.");
    }

    private static byte[] Manual(string phrase) => TestDocuments.TextPdf(
        new TestPdfPage(new TestSection(1, "Einleitung", "Dieses Handbuch beschreibt die Anlage und ihre Bedienung.")),
        new TestPdfPage(new TestSection(1, "Wartung", $"Der {phrase} wird jedes Jahr vom Kundendienst geprüft.")));

    [Fact]
    public async Task Collection_CreateUploadSearchRenameDelete_AllThroughTheApi()
    {
        var (client, _, _) = await KnowledgeClientAsync();
        var phrase = Phrase("Druckventil");

        var collectionId = await CreateCollectionAsync(client);
        var file = await UploadSettledAsync(client, collectionId, "handbuch.pdf", Manual(phrase));
        Assert.Equal(("ready", 100, 2, "handbuch.pdf"), (file.GetProperty("status").GetString(), file.GetProperty("progress").GetInt32(),
            file.GetProperty("pages").GetInt32(), file.GetProperty("filename").GetString()));
        Assert.True(file.GetProperty("chunk_count").GetInt32() > 0);

        var listed = await OkJsonAsync(await client.GetAsync("/v1/collections"));
        var collection = Assert.Single(listed.GetProperty("data").EnumerateArray());
        Assert.Equal((collectionId, "Handbücher", 1), (collection.GetProperty("id").GetString(), collection.GetProperty("name").GetString(), collection.GetProperty("file_count").GetInt32()));

        var found = await OkJsonAsync(await client.PostAsync("/v1/collections/search", Json(new { collection_ids = new[] { collectionId }, query = $"Wann wird der {phrase} geprüft?", top_k = 3 })));
        var best = found.GetProperty("data")[0];
        Assert.Contains(phrase, best.GetProperty("text").GetString());
        Assert.Equal(("handbuch.pdf", 2, "Wartung", file.GetProperty("id").GetString()),
            (best.GetProperty("filename").GetString(), best.GetProperty("page").GetInt32(), best.GetProperty("heading").GetString(), best.GetProperty("file_id").GetString()));

        var renamed = await OkJsonAsync(await client.PostAsync($"/v1/collections/{collectionId}", Json(new { name = "Anlagen" })));
        Assert.Equal("Anlagen", renamed.GetProperty("name").GetString());

        var deletedFile = await OkJsonAsync(await client.DeleteAsync($"/v1/collections/{collectionId}/files/{file.GetProperty("id").GetString()}"));
        Assert.True(deletedFile.GetProperty("deleted").GetBoolean());
        Assert.Empty((await OkJsonAsync(await client.GetAsync($"/v1/collections/{collectionId}/files"))).GetProperty("data").EnumerateArray());
        Assert.Empty((await OkJsonAsync(await client.PostAsync("/v1/collections/search", Json(new { collection_ids = new[] { collectionId }, query = phrase })))).GetProperty("data").EnumerateArray());

        Assert.True((await OkJsonAsync(await client.DeleteAsync($"/v1/collections/{collectionId}"))).GetProperty("deleted").GetBoolean());
        Assert.Equal("not_found", (await ErrorAsync(await client.GetAsync($"/v1/collections/{collectionId}"), HttpStatusCode.NotFound)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnotherUsersCollection_IsNotFoundOnEveryRoute()
    {
        var (owner, _, _) = await KnowledgeClientAsync();
        var (other, _, _) = await KnowledgeClientAsync();
        var collectionId = await CreateCollectionAsync(owner);
        var file = await UploadSettledAsync(owner, collectionId, "notiz.txt", TestDocuments.PlainText(["Nur für den Besitzer bestimmt."]));
        var fileId = file.GetProperty("id").GetString();

        var attempts = new (string Route, Func<Task<HttpResponseMessage>> Send)[]
        {
            ("get", () => other.GetAsync($"/v1/collections/{collectionId}")),
            ("rename", () => other.PostAsync($"/v1/collections/{collectionId}", Json(new { name = "Meins" }))),
            ("files", () => other.GetAsync($"/v1/collections/{collectionId}/files")),
            ("file", () => other.GetAsync($"/v1/collections/{collectionId}/files/{fileId}")),
            ("upload", () => other.PostAsync($"/v1/collections/{collectionId}/files", FileForm("x.txt", Encoding.UTF8.GetBytes("fremd")))),
            ("delete file", () => other.DeleteAsync($"/v1/collections/{collectionId}/files/{fileId}")),
            ("search", () => other.PostAsync("/v1/collections/search", Json(new { collection_ids = new[] { collectionId }, query = "Besitzer" }))),
            ("delete", () => other.DeleteAsync($"/v1/collections/{collectionId}")),
        };
        foreach (var (route, send) in attempts)
        {
            var response = await send();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{route}: {(int)response.StatusCode}");
        }

        // Nothing changed for the owner.
        var still = await OkJsonAsync(await owner.GetAsync($"/v1/collections/{collectionId}/files"));
        Assert.Equal(fileId, Assert.Single(still.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal("Handbücher", (await OkJsonAsync(await owner.GetAsync($"/v1/collections/{collectionId}"))).GetProperty("name").GetString());
    }

    [Fact]
    public async Task KeyWithoutKnowledgeScope_IsRefusedForCollectionsAndTheChatField()
    {
        var (client, _, _) = await KnowledgeClientAsync([ApiScopes.Chat]);

        var list = await client.GetAsync("/v1/collections");
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);

        var error = await ErrorAsync(await client.PostAsync("/v1/chat/completions", Json(new
        {
            model = ApiPortalFactory.ChatModel,
            messages = new[] { new { role = "user", content = "Hallo" } },
            collections = new[] { Guid.NewGuid() },
            max_tokens = 4,
        })), HttpStatusCode.Forbidden);
        Assert.Equal(("collections", "missing_scope"), (error.GetProperty("param").GetString(), error.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task BadInput_ClearErrorsAndNothingStored()
    {
        var (client, _, _) = await KnowledgeClientAsync();
        var collectionId = await CreateCollectionAsync(client);

        Assert.Equal("invalid_json", (await ErrorAsync(await client.PostAsync("/v1/collections", new StringContent("{\"name\":", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest)).GetProperty("code").GetString());
        Assert.Equal("name", (await ErrorAsync(await client.PostAsync("/v1/collections", Json(new { })), HttpStatusCode.BadRequest)).GetProperty("param").GetString());
        Assert.Equal("name", (await ErrorAsync(await client.PostAsync("/v1/collections", Json(new { name = new string('x', 201) })), HttpStatusCode.BadRequest)).GetProperty("param").GetString());
        Assert.Equal("file", (await ErrorAsync(await client.PostAsync($"/v1/collections/{collectionId}/files", new MultipartFormDataContent { { new StringContent("x"), "other" } }), HttpStatusCode.BadRequest)).GetProperty("param").GetString());
        Assert.Equal("unsupported_type", (await ErrorAsync(await client.PostAsync($"/v1/collections/{collectionId}/files", FileForm("programm.exe", [0x4d, 0x5a, 0, 1])), HttpStatusCode.BadRequest)).GetProperty("code").GetString());
        Assert.Equal("too_large", (await ErrorAsync(await client.PostAsync($"/v1/collections/{collectionId}/files", FileForm("gross.txt", new byte[KnowledgePortal.MaxDocumentBytes + 1])), HttpStatusCode.RequestEntityTooLarge)).GetProperty("code").GetString());
        Assert.Equal("collection_ids", (await ErrorAsync(await client.PostAsync("/v1/collections/search", Json(new { collection_ids = collectionId, query = "x" })), HttpStatusCode.BadRequest)).GetProperty("param").GetString());
        Assert.Equal("collection_ids", (await ErrorAsync(await client.PostAsync("/v1/collections/search", Json(new { collection_ids = new[] { "kein-guid" }, query = "x" })), HttpStatusCode.BadRequest)).GetProperty("param").GetString());
        Assert.Equal("top_k", (await ErrorAsync(await client.PostAsync("/v1/collections/search", Json(new { collection_ids = new[] { collectionId }, query = "x", top_k = 51 })), HttpStatusCode.BadRequest)).GetProperty("param").GetString());
        Assert.Equal("query", (await ErrorAsync(await client.PostAsync("/v1/collections/search", Json(new { collection_ids = new[] { collectionId } })), HttpStatusCode.BadRequest)).GetProperty("param").GetString());

        // A scanned PDF is accepted and fails in the background with its reason; nothing else was stored.
        var scanned = await UploadSettledAsync(client, collectionId, "scan.pdf", TestDocuments.ScannedPdf());
        Assert.Equal(("failed", "no_text"), (scanned.GetProperty("status").GetString(), scanned.GetProperty("error").GetString()));
        Assert.Single((await OkJsonAsync(await client.GetAsync($"/v1/collections/{collectionId}/files"))).GetProperty("data").EnumerateArray());
        Assert.Single((await OkJsonAsync(await client.GetAsync("/v1/collections"))).GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Upload_ThroughTheApi_IngestionMeteredAgainstTheKey_APortalUploadStaysOnThePortal()
    {
        var userId = await factory.CreateUserAsync();
        var key = await factory.CreateKeyAsync(userId, scopes: AllScopes);
        var client = factory.ClientWithKey(key.Secret);
        var collectionId = await CreateCollectionAsync(client);

        var file = await UploadSettledAsync(client, collectionId, "api.pdf", Manual(Phrase("Druckventil")));
        var apiIngestion = (await factory.UsageEventsAsync(userId)).Where(u => u.Kind == "embedding").ToList();
        await factory.IngestAsync(userId, Guid.Parse(collectionId), "portal.pdf", Manual(Phrase("Kugelhahn")));

        Assert.Equal("ready", file.GetProperty("status").GetString());
        Assert.NotEmpty(apiIngestion);
        Assert.All(apiIngestion, u => Assert.Equal(key.Key.Id, u.ApiKeyId));
        var portalIngestion = (await factory.UsageEventsAsync(userId)).Where(u => u.Kind == "embedding").Skip(apiIngestion.Count).ToList();
        Assert.NotEmpty(portalIngestion);
        Assert.All(portalIngestion, u => Assert.Null(u.ApiKeyId));
        var records = (await factory.RecordsAsync(userId)).Where(r => r.Purpose == ProcessingPurpose.Embedding).ToList();
        Assert.Equal((apiIngestion.Count, portalIngestion.Count), (records.Count(r => r.Channel == "api"), records.Count(r => r.Channel == "portal")));
    }

    [Fact]
    public async Task ChatCompletion_WithCollections_CitesTheFileAndPageAndMetersTheQuery()
    {
        var (client, userId, _) = await KnowledgeClientAsync();
        var phrase = Phrase("Druckventil");
        var collectionId = await CreateCollectionAsync(client);
        await UploadSettledAsync(client, collectionId, "handbuch.pdf", Manual(phrase));
        var before = (await factory.UsageEventsAsync(userId)).Count;

        var answer = await OkJsonAsync(await client.PostAsync("/v1/chat/completions", Json(new
        {
            model = ApiPortalFactory.ChatModel,
            messages = new object[] { new { role = "system", content = "Antworte kurz." }, new { role = "user", content = $"Wann wird der {phrase} geprüft?" } },
            collections = new[] { collectionId },
            max_tokens = 6,
        })));

        Assert.Equal("chat.completion", answer.GetProperty("object").GetString());
        var citation = answer.GetProperty("citations")[0];
        Assert.Equal((1, "handbuch.pdf", 2, "Wartung"), (citation.GetProperty("number").GetInt32(), citation.GetProperty("filename").GetString(),
            citation.GetProperty("page").GetInt32(), citation.GetProperty("heading").GetString()));
        // The passages went into the prompt: far more prompt tokens than the two short messages alone.
        Assert.True(answer.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > 40);
        var usage = (await factory.UsageEventsAsync(userId)).Skip(before).ToList();
        Assert.Contains(usage, u => u.Kind == "embedding");
        Assert.Contains(usage, u => u.Kind == "chat");
        Assert.Contains(await factory.RecordsAsync(userId), r => r.Purpose == ProcessingPurpose.Embedding && r.Channel == "api");
    }

    [Fact]
    public async Task ChatCompletion_WithCollectionsAndAnUnknownModel_404BeforeTheSearchIsCharged()
    {
        var (client, userId, _) = await KnowledgeClientAsync();
        var collectionId = await CreateCollectionAsync(client);
        await UploadSettledAsync(client, collectionId, "notiz.txt", TestDocuments.PlainText(["Der Druckventil wird geprüft."]));
        var before = (await factory.UsageEventsAsync(userId)).Count;

        var error = await ErrorAsync(await client.PostAsync("/v1/chat/completions", Json(new
        {
            model = "no-such-model",
            messages = new[] { new { role = "user", content = "Druckventil?" } },
            collections = new[] { collectionId },
        })), HttpStatusCode.NotFound);

        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal(before, (await factory.UsageEventsAsync(userId)).Count);
    }

    [Fact]
    public async Task ChatCompletion_NothingRelevant_NoCitationsAndTheModelIsToldSo()
    {
        var (client, _, _) = await KnowledgeClientAsync();
        var collectionId = await CreateCollectionAsync(client);
        await UploadSettledAsync(client, collectionId, "handbuch.pdf", Manual(Phrase("Druckventil")));

        var withCollections = await OkJsonAsync(await client.PostAsync("/v1/chat/completions", Json(new
        {
            model = ApiPortalFactory.ChatModel,
            messages = new[] { new { role = "user", content = "Quokka zebra xylophon" } },
            collections = new[] { collectionId },
            max_tokens = 2,
        })));
        var without = await OkJsonAsync(await client.PostAsync("/v1/chat/completions", Json(new
        {
            model = ApiPortalFactory.ChatModel,
            messages = new[] { new { role = "user", content = "Quokka zebra xylophon" } },
            max_tokens = 2,
        })));

        Assert.Empty(withCollections.GetProperty("citations").EnumerateArray());
        Assert.False(without.TryGetProperty("citations", out _));
        // The note that nothing relevant was found is in the prompt (the only difference between the two requests).
        Assert.True(withCollections.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > without.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() + 20);
    }

    [Fact]
    public async Task OfficialClient_StreamWithCollections_StillParsesAndTheCitationsChunkPrecedesDone()
    {
        var (_, _, secret) = await KnowledgeClientAsync();
        var raw = factory.ClientWithKey(secret);
        var phrase = Phrase("Druckventil");
        var collectionId = await CreateCollectionAsync(raw);
        await UploadSettledAsync(raw, collectionId, "handbuch.pdf", Manual(phrase));

        // The official client knows nothing of the extension: a handler adds the field to what it sends.
        var transport = factory.CreateDefaultClient(new AddCollectionsHandler(collectionId));
        var chat = new OpenAIClient(new ApiKeyCredential(secret), new OpenAIClientOptions
        {
            Endpoint = new Uri(factory.Server.BaseAddress, "/v1"),
            Transport = new HttpClientPipelineTransport(transport),
        }).GetChatClient(ApiPortalFactory.ChatModel);
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage($"Wann wird der {phrase} geprüft?")], new ChatCompletionOptions { MaxOutputTokenCount = 6 }))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            finish ??= update.FinishReason;
        }
        Assert.NotNull(finish);

        var stream = await raw.PostAsync("/v1/chat/completions", Json(new
        {
            model = ApiPortalFactory.ChatModel,
            messages = new[] { new { role = "user", content = $"Wann wird der {phrase} geprüft?" } },
            collections = new[] { collectionId },
            stream = true,
            max_tokens = 4,
        }));
        var events = (await stream.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).ToList();
        Assert.Equal("[DONE]", events[^1]);
        var citationsAt = events.FindIndex(e => e.Contains("\"citations\"", StringComparison.Ordinal));
        var finishAt = events.FindIndex(e => e.Contains("\"finish_reason\":\"", StringComparison.Ordinal));
        Assert.InRange(citationsAt, 1, finishAt - 1);
        using var chunk = JsonDocument.Parse(events[citationsAt]);
        Assert.Equal(0, chunk.RootElement.GetProperty("choices").GetArrayLength());
        Assert.Equal("handbuch.pdf", chunk.RootElement.GetProperty("citations")[0].GetProperty("filename").GetString());
    }

    private sealed class AddCollectionsHandler(string collectionId) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null && request.RequestUri!.AbsolutePath.EndsWith("/chat/completions", StringComparison.Ordinal))
            {
                var body = JsonNode.Parse(await request.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
                body["collections"] = new JsonArray(collectionId);
                request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            }
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
