using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Llm;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Knowledge;

namespace PromptLeo.Web.Features.Api;

/// <summary>
/// The <c>collections</c> extension of /v1/chat/completions: the last user message is searched in the caller's own
/// collections, the numbered passages (or the note that none is relevant) go into the system message, and the answer
/// carries them as <c>citations</c>. The same prompt as the portal's chat (<see cref="KnowledgePrompt"/>).
/// </summary>
public sealed class ChatCompletionCollections(IKnowledgeService knowledge, IOptions<KnowledgeOptions> options)
{
    public const string Field = "collections";

    /// <summary>The request with the knowledge block, and its citations; the request unchanged (and null) without the field.</summary>
    public async Task<(ParsedChatCompletion Parsed, IReadOnlyList<KnowledgeCitation>? Citations)> ApplyAsync(HttpContext context, JsonElement body, ParsedChatCompletion parsed)
    {
        if (CollectionsEndpoints.CollectionIds(body, Field) is not { Count: > 0 } ids)
        {
            return (parsed, null);
        }
        if (!context.User.HasClaim(ApiKeyAuthenticationHandler.ScopeClaim, ApiScopes.Knowledge))
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "'collections' needs an API key with the 'knowledge' scope.", "permission_error", Field, "missing_scope");
        }
        var question = parsed.Request.Messages.LastOrDefault(m => m.Role == ChatRole.User)?.Content;
        if (string.IsNullOrWhiteSpace(question))
        {
            throw ApiException.Invalid(Field, "'collections' needs a user message to search for.", "invalid_value");
        }
        var caller = ApiCallerContext.From(context);
        var passages = await knowledge.SearchAsync(caller.UserId, caller.KeyId, ids, question, options.Value.TopK, context.RequestAborted);
        var block = KnowledgePrompt.Compose(passages);
        var messages = parsed.Request.Messages.ToList();
        if (messages.FindIndex(m => m.Role == ChatRole.System) is var first and >= 0)
        {
            messages[first] = messages[first] with { Content = $"{messages[first].Content}\n\n{block}" };
        }
        else
        {
            messages.Insert(0, new ChatMessage(ChatRole.System, block));
        }
        return (parsed with { Request = parsed.Request with { Messages = messages } }, KnowledgePrompt.Citations(passages));
    }

    /// <summary>The <c>citations</c> array: number, chunk, file name, page and heading of each passage the model was given.</summary>
    public static void Write(Utf8JsonWriter json, IReadOnlyList<KnowledgeCitation> citations)
    {
        json.WriteStartArray("citations");
        foreach (var citation in citations)
        {
            json.WriteStartObject();
            json.WriteNumber("number", citation.Number);
            json.WriteString("chunk_id", citation.ChunkId);
            json.WriteString("filename", citation.FileName);
            if (citation.Page is { } page)
            {
                json.WriteNumber("page", page);
            }
            else
            {
                json.WriteNull("page");
            }
            json.WriteString("heading", citation.Heading);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>A stream's citations travel in one chunk of their own (no choices), before the finish chunk.</summary>
    public static async Task WriteChunkAsync(HttpContext context, string id, long created, string model, IReadOnlyList<KnowledgeCitation> citations)
    {
        var pipe = context.Response.BodyWriter;
        pipe.Write("data: "u8);
        using (var json = new Utf8JsonWriter(pipe, ChatCompletionWriter.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("object", "chat.completion.chunk");
            json.WriteNumber("created", created);
            json.WriteString("model", model);
            json.WriteStartArray("choices");
            json.WriteEndArray();
            Write(json, citations);
            json.WriteEndObject();
        }
        pipe.Write("\n\n"u8);
        await pipe.FlushAsync(context.RequestAborted);
    }
}
