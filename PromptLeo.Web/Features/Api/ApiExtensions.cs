using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.ApiKeys;
using Scalar.AspNetCore;

namespace PromptLeo.Web.Features.Api;

public sealed record ModelObject(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("owned_by")] string OwnedBy,
    [property: JsonPropertyName("kind")] string Kind);

public sealed record ModelList(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<ModelObject> Data);

public static class ApiExtensions
{
    public const string ApiPolicy = "api";
    public const string ChatPolicy = "api-chat";
    public const string ImagesPolicy = "api-images";
    public const string KnowledgePolicy = "api-knowledge";

    /// <summary>The OpenAI-compatible /v1 API: API key authentication, rate limits, endpoints and the OpenAPI document.</summary>
    public static IHostApplicationBuilder AddPromptLeoApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Privacy.IProcessingChannel, ApiProcessingChannel>();
        // The key handler reports a rejection; the API answers it with an OpenAI error object.
        services.Configure<ApiKeyAuthenticationOptions>(ApiKeyAuthenticationHandler.SchemeName, o => o.OnRejected = (context, rejection) =>
            OpenAiErrors.WriteAsync(context, rejection.StatusCode, rejection.Message,
                rejection.StatusCode switch
                {
                    StatusCodes.Status403Forbidden => "permission_error",
                    StatusCodes.Status429TooManyRequests => "rate_limit_error",
                    _ => "invalid_request_error",
                }, null, rejection.Code));
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(ChatPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, ApiScopes.Chat))
            .AddPolicy(ImagesPolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, ApiScopes.Images))
            .AddPolicy(KnowledgePolicy, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, ApiScopes.Knowledge));
        services.AddSingleton<ApiRateLimiter>();
        services.AddSingleton<CollectionsEndpoints>();
        services.AddSingleton<ChatCompletionCollections>();
        services.AddSingleton<ChatCompletionsEndpoint>();
        services.AddSingleton<ImagesEndpoints>();
        services.AddSingleton<EmbeddingsEndpoint>();
        services.AddOpenApi("v1", options =>
        {
            // The document describes the public /v1 API only, not the portal's own endpoints.
            options.ShouldInclude = description => description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, context, _) =>
            {
                document.Info.Title = "PromptLeo API (OpenAI-compatible)";
                // The request culture (cookie, then Accept-Language) is set by then: the reference opens in the visitor's language.
                document.Info.Description = ApiReferencePage.Introduction(context.ApplicationServices.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<Resources.SharedResource>>());
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    // Documents the JSON body without Accepts<T>(), whose content-type matching would answer a wrong content type with
    // a bare 415 before the endpoint could send OpenAI's error object.
    private static RouteHandlerBuilder WithRequestBody<T>(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
            operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        });

    // Every /v1 error is OpenAI's error object; the document lists the statuses the API uses.
    private static RouteHandlerBuilder WithErrorResponses(this RouteHandlerBuilder builder)
    {
        foreach (var status in new[] { 400, 401, 402, 403, 404, 413, 429, 502, 503, 504 })
        {
            builder.Produces<ErrorResponseSchema>(status);
        }
        return builder;
    }

    public static IEndpointRouteBuilder MapPromptLeoApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1")
            .RequireAuthorization(ApiPolicy)
            .DisableAntiforgery()
            .AddEndpointFilter(ApiFilterAsync)
            .WithTags("OpenAI-compatible API");

        v1.MapGet("/models", ListModels)
            .WithSummary("Lists the installed models.");
        v1.MapGet("/models/{id}", GetModel)
            .WithSummary("One installed model; 404 with model_not_found otherwise.")
            .WithErrorResponses();
        v1.MapPost("/chat/completions", (HttpContext context, ChatCompletionsEndpoint endpoint) => endpoint.HandleAsync(context))
            .RequireAuthorization(ChatPolicy)
            .WithMetadata(new OpenAiErrors.ExpectedModelKind(ModelKind.Chat))
            .WithSummary("Creates a chat completion; stream=true answers with server-sent events ending in 'data: [DONE]'.")
            .WithRequestBody<ChatCompletionRequestSchema>()
            .Produces<ChatCompletionResponseSchema>(StatusCodes.Status200OK, "application/json", "text/event-stream")
            .WithErrorResponses();
        v1.MapPost("/embeddings", (HttpContext context, EmbeddingsEndpoint endpoint) => endpoint.HandleAsync(context))
            .RequireAuthorization(ChatPolicy)
            .WithMetadata(new OpenAiErrors.ExpectedModelKind(ModelKind.Embedding))
            .WithSummary("Creates embeddings: one unit-length vector per input text (float or base64); dimensions for Matryoshka models.")
            .WithRequestBody<EmbeddingRequestSchema>()
            .Produces<EmbeddingResponseSchema>()
            .WithErrorResponses();
        v1.MapPost("/images/generations", (HttpContext context, ImagesEndpoints endpoint) => endpoint.GenerateAsync(context))
            .RequireAuthorization(ImagesPolicy)
            .WithMetadata(new OpenAiErrors.ExpectedModelKind(ModelKind.Diffusion))
            .WithSummary("Generates images (b64_json). Extensions: negative_prompt, steps, guidance_scale, seed, scheduler.")
            .WithRequestBody<ImageGenerationRequestSchema>()
            .Produces<ImagesResponseSchema>()
            .WithErrorResponses();
        v1.MapPost("/images/edits", (HttpContext context, ImagesEndpoints endpoint) => endpoint.EditAsync(context))
            .RequireAuthorization(ImagesPolicy)
            .WithMetadata(new OpenAiErrors.ExpectedModelKind(ModelKind.Diffusion))
            .WithSummary("Image-to-image, or inpainting with a mask (multipart/form-data).")
            .Produces<ImagesResponseSchema>()
            .WithErrorResponses();
        v1.MapPost("/images/background-removal", (HttpContext context, ImagesEndpoints endpoint) => endpoint.RemoveBackgroundAsync(context))
            .RequireAuthorization(ImagesPolicy)
            .WithMetadata(new OpenAiErrors.ExpectedModelKind(ModelKind.BackgroundRemoval))
            .WithSummary("Cuts the subject out of an image and returns a PNG with alpha (multipart/form-data).")
            .Produces<ImagesResponseSchema>()
            .WithErrorResponses();

        MapCollections(v1.MapGroup("/collections").RequireAuthorization(KnowledgePolicy).WithTags("PromptLeo extension: knowledge collections"));

        // Unknown /v1 paths and methods answer as OpenAI does (404, "Invalid URL"), not with the portal's HTML page.
        app.MapFallback("/v1/{**path}", (HttpContext context) => OpenAiErrors.WriteAsync(context, StatusCodes.Status404NotFound,
            $"Invalid URL ({context.Request.Method} {context.Request.Path}).", "invalid_request_error", null, "unknown_url")).ExcludeFromDescription();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference(ApiReferencePage.Path, ApiReferencePage.Configure);
        return app;
    }

    private static void MapCollections(RouteGroupBuilder collections)
    {
        collections.MapGet("", (HttpContext c, CollectionsEndpoints e) => e.ListAsync(c))
            .WithSummary("Lists the caller's knowledge collections.").WithErrorResponses();
        collections.MapPost("", (HttpContext c, CollectionsEndpoints e) => e.CreateAsync(c))
            .WithSummary("Creates a collection ({\"name\"}).").WithRequestBody<CollectionCreateSchema>().WithErrorResponses();
        collections.MapPost("/search", (HttpContext c, CollectionsEndpoints e) => e.SearchAsync(c))
            .WithSummary("Searches collections: hybrid vector and keyword ranking; the query's embedding tokens are metered.")
            .WithRequestBody<CollectionSearchSchema>().WithErrorResponses();
        collections.MapGet("/{id:guid}", (HttpContext c, Guid id, CollectionsEndpoints e) => e.GetAsync(c, id))
            .WithSummary("One collection.").WithErrorResponses();
        collections.MapPost("/{id:guid}", (HttpContext c, Guid id, CollectionsEndpoints e) => e.RenameAsync(c, id))
            .WithSummary("Renames a collection ({\"name\"}).").WithRequestBody<CollectionCreateSchema>().WithErrorResponses();
        collections.MapDelete("/{id:guid}", (HttpContext c, Guid id, CollectionsEndpoints e) => e.DeleteAsync(c, id))
            .WithSummary("Deletes a collection with its files, chunks and embeddings.").WithErrorResponses();
        collections.MapGet("/{id:guid}/files", (HttpContext c, Guid id, CollectionsEndpoints e) => e.FilesAsync(c, id))
            .WithSummary("Lists a collection's files with their processing status.").WithErrorResponses();
        collections.MapPost("/{id:guid}/files", (HttpContext c, Guid id, CollectionsEndpoints e) => e.UploadAsync(c, id))
            .WithSummary("Uploads a document (multipart part 'file': PDF, DOCX, Markdown, text, HTML); processed in the background.")
            .WithErrorResponses();
        collections.MapGet("/{id:guid}/files/{fileId:guid}", (HttpContext c, Guid id, Guid fileId, CollectionsEndpoints e) => e.FileAsync(c, id, fileId))
            .WithSummary("One file: status queued, processing, ready or failed (with its error code), and progress.").WithErrorResponses();
        collections.MapDelete("/{id:guid}/files/{fileId:guid}", (HttpContext c, Guid id, Guid fileId, CollectionsEndpoints e) => e.DeleteFileAsync(c, id, fileId))
            .WithSummary("Deletes a file with its chunks and embeddings.").WithErrorResponses();
    }

    // Installed models and the models of enabled remote endpoints (an installed id wins).
    private static Ok<ModelList> ListModels(IModelRegistry registry, ModelAvailability availability, RemoteInference.RemoteEndpointCatalog remote, TimeProvider time)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var models = registry.List()
            .Where(m => availability.IsOffered(m.Manifest.Id))
            .Select(m => ToModelObject(m.Manifest, created))
            .Concat(remote.Models().Where(m => registry.Get(m.Id) is null && availability.IsOffered(m.Id)).Select(m => new ModelObject(m.Id, "model", created, "promptleo", m.Kind)))
            .OrderBy(m => m.Id, StringComparer.Ordinal)
            .ToList();
        return TypedResults.Ok(new ModelList("list", models));
    }

    private static Ok<ModelObject> GetModel(string id, IModelRegistry registry, ModelAvailability availability, RemoteInference.RemoteEndpointCatalog remote, TimeProvider time)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var model = registry.Get(id) is { } installed ? ToModelObject(installed.Manifest, created)
            : remote.Find(id) is { } served ? new ModelObject(served.Id, "model", created, "promptleo", served.Kind)
            : throw new ModelNotFoundException(id);
        return availability.IsOffered(model.Id) ? TypedResults.Ok(model) : throw new ModelDisabledException(model.Id);
    }

    private static ModelObject ToModelObject(ModelManifest manifest, long created) =>
        new(manifest.Id, "model", created, "promptleo", OpenAiErrors.KindName(manifest.Kind));

    // Headers, rate limits and the mapping of exceptions to OpenAI error objects for every /v1 endpoint.
    private static async ValueTask<object?> ApiFilterAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        OpenAiErrors.StampHeaders(context);
        try
        {
            var caller = ApiCallerContext.From(context);
            if (await context.RequestServices.GetRequiredService<ApiRateLimiter>().TryAcquireAsync(caller, context.RequestAborted) is { } retryAfter)
            {
                throw new ApiException(StatusCodes.Status429TooManyRequests, "Rate limit reached for this API key or account.", "rate_limit_error", null, "rate_limit_exceeded", retryAfter);
            }
            return await next(invocation);
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            return Results.Empty;
        }
        catch (Exception ex)
        {
            await OpenAiErrors.WriteErrorAsync(context, ex);
            return Results.Empty;
        }
    }
}
