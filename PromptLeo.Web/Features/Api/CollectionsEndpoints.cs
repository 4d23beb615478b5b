using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Knowledge;
using static PromptLeo.Web.Features.Api.ApiRequestBody;

namespace PromptLeo.Web.Features.Api;

public sealed record CollectionObject(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("file_count")] int FileCount,
    [property: JsonPropertyName("chunk_count")] int ChunkCount,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("created_at")] long CreatedAt)
{
    public static CollectionObject From(KnowledgeCollectionSummary c) =>
        new(c.Id, "collection", c.Name, c.DocumentCount, c.ChunkCount, c.Bytes, c.CreatedAt.ToUnixTimeSeconds());
}

/// <param name="Status">queued, processing, ready or failed.</param>
/// <param name="Error">The failure's code (unsupported_type, too_large, no_text, corrupt) when failed.</param>
public sealed record CollectionFileObject(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("collection_id")] Guid CollectionId,
    [property: JsonPropertyName("filename")] string FileName,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("progress")] int Progress,
    [property: JsonPropertyName("pages")] int? Pages,
    [property: JsonPropertyName("chunk_count")] int ChunkCount,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("created_at")] long CreatedAt)
{
    public static CollectionFileObject From(KnowledgeDocumentSummary d) =>
        new(d.Id, "collection.file", d.CollectionId, d.FileName, d.Bytes, StatusName(d.Status), d.Progress, d.PageCount, d.ChunkCount, d.ErrorCode, d.UploadedAt.ToUnixTimeSeconds());

    public static string StatusName(KnowledgeDocumentStatus status) => status switch
    {
        KnowledgeDocumentStatus.Queued => "queued",
        KnowledgeDocumentStatus.Processing => "processing",
        KnowledgeDocumentStatus.Ready => "ready",
        _ => "failed",
    };
}

public sealed record PassageObject(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("chunk_id")] Guid ChunkId,
    [property: JsonPropertyName("file_id")] Guid FileId,
    [property: JsonPropertyName("collection_id")] Guid CollectionId,
    [property: JsonPropertyName("filename")] string FileName,
    [property: JsonPropertyName("page")] int? Page,
    [property: JsonPropertyName("heading")] string? Heading,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("score")] double Score)
{
    public static PassageObject From(KnowledgePassage p) =>
        new("collection.passage", p.ChunkId, p.DocumentId, p.CollectionId, p.FileName, p.Page, p.Heading, p.Text, p.Score);
}

public sealed record ListObject<T>(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<T> Data);

public sealed record DeletedObject(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("deleted")] bool Deleted);

public sealed record CollectionCreateSchema([property: JsonPropertyName("name")] string Name);

public sealed record CollectionSearchSchema(
    [property: JsonPropertyName("collection_ids")] IReadOnlyList<Guid> CollectionIds,
    [property: JsonPropertyName("query")] string Query,
    [property: JsonPropertyName("top_k")] int? TopK);

/// <summary>
/// PromptLeo's extension of /v1: knowledge collections, the same as the portal's (the caller's own only). Uploads are
/// processed in the background; a file's status says when its chunks are searchable.
/// </summary>
public sealed class CollectionsEndpoints(IKnowledgeService knowledge, IOptions<ApiOptions> api, IOptions<KnowledgeOptions> options)
{
    public const int MaxNameLength = 200;
    public const int MaxTopK = 50;

    public async Task<ListObject<CollectionObject>> ListAsync(HttpContext context)
    {
        var caller = ApiCallerContext.From(context);
        var collections = await knowledge.CollectionsAsync(caller.UserId, context.RequestAborted);
        return new("list", collections.Select(CollectionObject.From).ToList());
    }

    public async Task<CollectionObject> GetAsync(HttpContext context, Guid id)
    {
        var caller = ApiCallerContext.From(context);
        var collections = await knowledge.CollectionsAsync(caller.UserId, context.RequestAborted);
        return collections.FirstOrDefault(c => c.Id == id) is { } found ? CollectionObject.From(found) : throw NotFound("collection", id);
    }

    public async Task<CollectionObject> CreateAsync(HttpContext context)
    {
        var caller = ApiCallerContext.From(context);
        var body = await ReadJsonAsync(context, api.Value.MaxJsonBodyBytes);
        var created = await knowledge.CreateCollectionAsync(caller.UserId, Name(body), context.RequestAborted);
        return CollectionObject.From(created);
    }

    public async Task<CollectionObject> RenameAsync(HttpContext context, Guid id)
    {
        var caller = ApiCallerContext.From(context);
        var body = await ReadJsonAsync(context, api.Value.MaxJsonBodyBytes);
        await knowledge.RenameCollectionAsync(caller.UserId, id, Name(body), context.RequestAborted);
        return await GetAsync(context, id);
    }

    public async Task<DeletedObject> DeleteAsync(HttpContext context, Guid id)
    {
        var caller = ApiCallerContext.From(context);
        await knowledge.DeleteCollectionAsync(caller.UserId, id, context.RequestAborted);
        return new(id, "collection.deleted", true);
    }

    public async Task<ListObject<CollectionFileObject>> FilesAsync(HttpContext context, Guid id)
    {
        var caller = ApiCallerContext.From(context);
        var documents = await knowledge.DocumentsAsync(caller.UserId, id, context.RequestAborted);
        return new("list", documents.Select(CollectionFileObject.From).ToList());
    }

    public async Task<CollectionFileObject> FileAsync(HttpContext context, Guid id, Guid fileId)
    {
        var caller = ApiCallerContext.From(context);
        var documents = await knowledge.DocumentsAsync(caller.UserId, id, context.RequestAborted);
        return documents.FirstOrDefault(d => d.Id == fileId) is { } found ? CollectionFileObject.From(found) : throw NotFound("file", fileId);
    }

    /// <summary>multipart/form-data with one part <c>file</c>; the name of the upload is the file's name.</summary>
    public async Task<CollectionFileObject> UploadAsync(HttpContext context, Guid id)
    {
        var caller = ApiCallerContext.From(context);
        // The form may be a little larger than the document it carries (boundaries, headers).
        var limit = (int)Math.Min(int.MaxValue, options.Value.MaxDocumentBytes + 64 * 1024);
        var form = await ReadFormAsync(context, limit);
        var file = form.Files.GetFile("file") ?? throw ApiException.Invalid("file", "'file' is required: send the document as the multipart part 'file'.", "missing_required_parameter");
        var fileName = Path.GetFileName(file.FileName);
        if (string.IsNullOrWhiteSpace(fileName))
        {
            throw ApiException.Invalid("file", "The part 'file' needs a file name (its extension says the format).", "invalid_value");
        }
        await using var content = file.OpenReadStream();
        var uploaded = await knowledge.UploadAsync(caller.UserId, caller.KeyId, id, fileName, content, context.RequestAborted);
        return CollectionFileObject.From(uploaded);
    }

    public async Task<DeletedObject> DeleteFileAsync(HttpContext context, Guid id, Guid fileId)
    {
        var caller = ApiCallerContext.From(context);
        // The file must belong to the collection named in the path, not only to the caller.
        var documents = await knowledge.DocumentsAsync(caller.UserId, id, context.RequestAborted);
        if (documents.All(d => d.Id != fileId))
        {
            throw NotFound("file", fileId);
        }
        await knowledge.DeleteDocumentAsync(caller.UserId, fileId, context.RequestAborted);
        return new(fileId, "collection.file.deleted", true);
    }

    public async Task<ListObject<PassageObject>> SearchAsync(HttpContext context)
    {
        var caller = ApiCallerContext.From(context);
        var body = await ReadJsonAsync(context, api.Value.MaxJsonBodyBytes);
        var ids = CollectionIds(body, "collection_ids") ?? throw ApiException.Invalid("collection_ids", "'collection_ids' is required.", "missing_required_parameter");
        if (ids.Count == 0)
        {
            throw ApiException.Invalid("collection_ids", "'collection_ids' must name at least one collection.", "invalid_value");
        }
        var query = RequiredString(body, "query");
        if (string.IsNullOrWhiteSpace(query))
        {
            throw ApiException.Invalid("query", "'query' must not be empty.", "invalid_value");
        }
        var topK = Integer(body, "top_k") switch
        {
            null => options.Value.TopK,
            >= 1 and <= MaxTopK and var k => (int)k,
            _ => throw ApiException.Invalid("top_k", $"'top_k' must be between 1 and {MaxTopK}.", "invalid_value"),
        };
        var passages = await knowledge.SearchAsync(caller.UserId, caller.KeyId, ids, query, topK, context.RequestAborted);
        return new("list", passages.Select(PassageObject.From).ToList());
    }

    /// <summary>An array of collection ids (strings), or null when the field is absent.</summary>
    public static IReadOnlyList<Guid>? CollectionIds(JsonElement body, string field)
    {
        if (Get(body, field) is not { } value)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(field, "an array of collection ids");
        }
        var ids = new List<Guid>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !Guid.TryParse(item.GetString(), out var id))
            {
                throw ApiException.Invalid(field, $"'{field}[{ids.Count}]' is not a collection id.", "invalid_value");
            }
            ids.Add(id);
        }
        if (ids.Count > MaxTopK)
        {
            throw ApiException.Invalid(field, $"'{field}' names {ids.Count} collections; at most {MaxTopK} are accepted.", "invalid_value");
        }
        return ids.Distinct().ToList();
    }

    private static string Name(JsonElement body)
    {
        var name = RequiredString(body, "name").Trim();
        return name.Length is 0 or > MaxNameLength
            ? throw ApiException.Invalid("name", $"'name' must have 1 to {MaxNameLength} characters.", "invalid_value")
            : name;
    }

    private static ApiException NotFound(string what, Guid id) =>
        new(StatusCodes.Status404NotFound, $"No {what} with id '{id}'.", "invalid_request_error", null, "not_found");
}
