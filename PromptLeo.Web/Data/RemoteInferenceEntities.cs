using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Web.Data;

/// <summary>
/// An OpenAI-compatible inference endpoint (vLLM, llama.cpp server, TGI, another PromptLeo node's <c>/v1</c>) registered
/// by an administrator as a model provider. The credential is stored encrypted (Data Protection), never in clear.
/// </summary>
public sealed class RemoteInferenceEndpoint
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    [MaxLength(64)]
    public string Name { get; set; } = "";

    /// <summary>The API root the OpenAI paths are appended to, e.g. <c>https://gpu1.example.eu/v1</c>.</summary>
    [MaxLength(512)]
    public string BaseUrl { get; set; } = "";

    /// <summary>Where the endpoint processes data (<c>DE</c>, <c>FR-PAR</c>); only allow-listed regions are accepted.</summary>
    [MaxLength(16)]
    public string Region { get; set; } = "";

    /// <summary>The bearer credential, protected with Data Protection; null when the endpoint needs none.</summary>
    [MaxLength(4096)]
    public string? ProtectedApiKey { get; set; }

    public bool Enabled { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ChangedAt { get; set; }

    public List<RemoteInferenceModel> Models { get; set; } = [];
}

/// <summary>A model an endpoint serves, under the id clients use (the same id is sent upstream).</summary>
public sealed class RemoteInferenceModel
{
    public Guid EndpointId { get; set; }

    [MaxLength(128)]
    public string ModelId { get; set; } = "";

    /// <summary><c>chat</c> or <c>image</c>.</summary>
    [MaxLength(16)]
    public string Kind { get; set; } = "chat";
}
