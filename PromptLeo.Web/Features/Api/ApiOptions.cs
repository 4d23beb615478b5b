using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Features.Api;

/// <summary>The <c>Api</c> section: limits of the OpenAI-compatible <c>/v1</c> API.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>Requests per minute per API key (fixed window).</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerMinutePerKey { get; set; } = 120;

    /// <summary>Requests per minute per account, over all its keys.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerMinutePerUser { get; set; } = 300;

    [Range(1024, 100 * 1024 * 1024)]
    public int MaxJsonBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Multipart uploads (image edits, background removal).</summary>
    [Range(1024, 200 * 1024 * 1024)]
    public int MaxUploadBodyBytes { get; set; } = 20 * 1024 * 1024;

    [Range(1, 16)]
    public int MaxImagesPerRequest { get; set; } = 4;

    /// <summary>Used when a chat request sets no max_tokens.</summary>
    [Range(1, 131072)]
    public int DefaultMaxTokens { get; set; } = 512;

    [Range(1, 131072)]
    public int MaxTokensLimit { get; set; } = 8192;

    /// <summary>Most texts in one /v1/embeddings request (OpenAI allows 2048).</summary>
    [Range(1, 2048)]
    public int MaxEmbeddingInputs { get; set; } = 256;
}
