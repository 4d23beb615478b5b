using System.Text.Json;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Embeddings;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Web.Features.Api;

/// <summary>An API request failed with an OpenAI-style error; thrown inside the API and written by the endpoint.</summary>
public sealed class ApiException(int status, string message, string type = "invalid_request_error", string? param = null, string? code = null, TimeSpan? retryAfter = null)
    : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static ApiException Invalid(string? param, string message, string? code = null) => new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, code);
}

/// <summary>OpenAI error objects (<c>{"error":{"message","type","param","code"}}</c>) and the headers every /v1 response carries.</summary>
public static class OpenAiErrors
{
    private const string RequestIdItem = "PromptLeo.RequestId";

    /// <summary>The request id of this API call (also the processing record's id), created on first use.</summary>
    public static string RequestId(HttpContext context)
    {
        if (context.Items[RequestIdItem] is not string id)
        {
            id = ProcessingRecordWriter.NewRequestId();
            context.Items[RequestIdItem] = id;
        }
        return id;
    }

    /// <summary>Stamps <c>X-Request-Id</c> and <c>X-Processing-Region</c>.</summary>
    public static void StampHeaders(HttpContext context)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        var region = context.RequestServices.GetRequiredService<IOptions<HostingOptions>>().Value.Region;
        context.Response.Headers["X-Request-Id"] = RequestId(context);
        context.Response.Headers["X-Processing-Region"] = region;
    }

    public static async Task WriteAsync(HttpContext context, int status, string message, string type, string? param, string? code, TimeSpan? retryAfter = null)
    {
        if (context.Response.HasStarted)
        {
            // Mid-stream the status line is gone: the error travels as an SSE event, as OpenAI's own streams do.
            if (context.Response.ContentType?.StartsWith("text/event-stream", StringComparison.Ordinal) == true && !context.RequestAborted.IsCancellationRequested)
            {
                try
                {
                    await context.Response.Body.WriteAsync("data: "u8.ToArray(), context.RequestAborted);
                    await WriteErrorObjectAsync(context.Response.Body, message, type, param, code, context.RequestAborted);
                    await context.Response.Body.WriteAsync("\n\n"u8.ToArray(), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
                {
                    // The client is gone; nothing left to tell it.
                }
            }
            return;
        }
        StampHeaders(context);
        context.Response.StatusCode = status;
        if (retryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        context.Response.ContentType = "application/json";
        await WriteErrorObjectAsync(context.Response.Body, message, type, param, code, context.RequestAborted);
    }

    private static async Task WriteErrorObjectAsync(Stream body, string message, string type, string? param, string? code, CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(body);
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", message);
        json.WriteString("type", type);
        json.WriteString("param", param);
        json.WriteString("code", code);
        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
    }

    public static Task WriteAsync(HttpContext context, ApiException error) =>
        WriteAsync(context, error.Status, error.Message, error.Type, error.Param, error.Code, error.RetryAfter);

    /// <summary>
    /// Writes the OpenAI error for <paramref name="ex"/>. Only what <see cref="Map"/> does not know is the server's fault:
    /// logged at error level and answered with a 500 that names nothing internal.
    /// </summary>
    public static Task WriteErrorAsync(HttpContext context, Exception ex)
    {
        if (StorageFaults.IsStorageFull(ex))
        {
            // A server condition the operator must act on, though the client gets a clear 507.
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("PromptLeo.Api")
                .LogError(ex, "Request {RequestId} failed: the data folder's disk is full", RequestId(context));
        }
        if ((WrongModelKind(context, ex) ?? Map(ex)) is not { } error)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("PromptLeo.Api")
                .LogError(ex, "Request {RequestId} failed", RequestId(context));
            error = new ApiException(StatusCodes.Status500InternalServerError, "The server failed to process the request.", "server_error", null, "internal_error");
        }
        return WriteAsync(context, error);
    }

    /// <summary>The endpoint's model kind, so that an installed model of another kind gets a message saying so.</summary>
    public sealed record ExpectedModelKind(ModelKind Kind);

    public static string KindName(ModelKind kind) => kind switch
    {
        ModelKind.Chat => "chat",
        ModelKind.Diffusion => "image",
        ModelKind.Embedding => "embedding",
        _ => "background-removal",
    };

    private static ApiException? WrongModelKind(HttpContext context, Exception ex)
    {
        if (ex is not ModelNotFoundException missing || context.GetEndpoint()?.Metadata.GetMetadata<ExpectedModelKind>() is not { } expected
            || context.RequestServices.GetRequiredService<IModelRegistry>().Get(missing.ModelId) is not { } installed || installed.Manifest.Kind == expected.Kind)
        {
            return null;
        }
        return ApiException.Invalid("model",
            $"The model '{missing.ModelId}' is {Article(installed.Manifest.Kind)} model; {context.Request.Path} needs {Article(expected.Kind)} model.", "wrong_model_kind");

        static string Article(ModelKind kind) => (kind is ModelKind.Diffusion or ModelKind.Embedding ? "an " : "a ") + KindName(kind);
    }

    /// <summary>Maps engine, budget, account and malformed-request exceptions to API errors; null for anything unexpected.</summary>
    public static ApiException? Map(Exception ex) => ex switch
    {
        ApiException api => api,
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => new ApiException(StatusCodes.Status413PayloadTooLarge, "The request body is larger than this endpoint accepts.", "invalid_request_error", null, "request_too_large"),
        BadHttpRequestException { StatusCode: StatusCodes.Status408RequestTimeout } => new ApiException(StatusCodes.Status408RequestTimeout, "The request body arrived too slowly.", "invalid_request_error", null, "request_timeout"),
        BadHttpRequestException bad => new ApiException(bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : StatusCodes.Status400BadRequest, "The request could not be read: its body is incomplete or malformed.", "invalid_request_error", null, "invalid_request"),
        JsonException => ApiException.Invalid(null, "The body is not valid JSON.", "invalid_json"),
        InvalidDataException => ApiException.Invalid(null, "The request body is malformed.", "invalid_request"),
        ChatRequestException chat => ApiException.Invalid(chat.Field, chat.Message),
        EmbeddingRequestException embedding => ApiException.Invalid(embedding.Field, embedding.Message),
        ImageRequestException image => ApiException.Invalid(ImageParam(image.Field), image.Message),
        EngineBusyException busy => new ApiException(StatusCodes.Status429TooManyRequests, "The model is busy; retry later.", "rate_limit_error", null, "engine_busy", busy.RetryAfter),
        ModelNotFoundException missing => new ApiException(StatusCodes.Status404NotFound, $"The model '{missing.ModelId}' does not exist.", "invalid_request_error", "model", "model_not_found"),
        Metering.InferenceProviderException provider => new ApiException(provider.Status, provider.Message, "server_error", null, provider.Code, provider.RetryAfter),
        ModelLoadException => new ApiException(StatusCodes.Status503ServiceUnavailable, "The model could not be loaded; try again later.", "server_error", "model", "model_unavailable", TimeSpan.FromSeconds(30)),
        BudgetExceededException budget => new ApiException(StatusCodes.Status402PaymentRequired, budget.Message, "insufficient_quota", null, "budget_exceeded"),
        ProcessingRestrictedException restricted => new ApiException(StatusCodes.Status403Forbidden, restricted.Message, "permission_error", null, "processing_restricted"),
        Knowledge.KnowledgeException { Code: "not_found" } missing => new ApiException(StatusCodes.Status404NotFound, missing.Message, "invalid_request_error", null, "not_found"),
        Knowledge.KnowledgeException { Code: "too_large" } large => new ApiException(StatusCodes.Status413PayloadTooLarge, large.Message, "invalid_request_error", "file", "too_large"),
        Knowledge.KnowledgeException knowledge => ApiException.Invalid(null, knowledge.Message, knowledge.Code),
        Models.ModelDisabledException disabled => new ApiException(StatusCodes.Status403Forbidden, disabled.Message, "permission_error", "model", "model_disabled"),
        // 507: the server cannot store what the request needs (RFC 4918); a server condition, nothing was charged.
        _ when StorageFaults.IsStorageFull(ex) => new ApiException(StatusCodes.Status507InsufficientStorage, "The server is out of storage space; the request was not completed and not charged. Try again later.", "server_error", null, "insufficient_storage", TimeSpan.FromSeconds(60)),
        _ => null,
    };

    // The engine names ImageRequest properties; clients know the API's field names.
    private static string ImageParam(string field) => field switch
    {
        nameof(ImageRequest.Width) or nameof(ImageRequest.Height) => "size",
        nameof(ImageRequest.BatchSize) => "n",
        nameof(ImageRequest.Steps) => "steps",
        nameof(ImageRequest.GuidanceScale) => "guidance_scale",
        nameof(ImageRequest.Prompt) => "prompt",
        nameof(ImageRequest.NegativePrompt) => "negative_prompt",
        nameof(ImageRequest.ModelId) or "modelId" => "model",
        nameof(ImageRequest.InitImage) or "image" => "image",
        nameof(ImageRequest.Mask) => "mask",
        nameof(ImageRequest.Strength) => "strength",
        nameof(ImageRequest.Scheduler) => "scheduler",
        _ => field,
    };
}
