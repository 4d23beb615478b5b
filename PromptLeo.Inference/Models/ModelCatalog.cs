namespace PromptLeo.Inference.Models;

/// <summary>A model the portal can install with one click.</summary>
/// <param name="Id">Registry id and folder name.</param>
/// <param name="DisplayName">Name shown in the portal.</param>
/// <param name="Kind">What the model does.</param>
/// <param name="HuggingFaceRepo">Hugging Face repository, for example <c>Qwen/Qwen2.5-0.5B-Instruct-GGUF</c>.</param>
/// <param name="FileName">File in that repository.</param>
/// <param name="License">License of the weights (shown before installing).</param>
/// <param name="ContextLength">Trained context length in tokens.</param>
/// <param name="ApproximateSizeBytes">For the UI and the disk-space check before the server reports the size.</param>
/// <param name="Sha256">Pinned hash, or null to verify against the hash Hugging Face reports for the LFS file.</param>
/// <param name="Revision">Branch, tag or commit of the repository.</param>
public sealed record ModelCatalogEntry(
    string Id,
    string DisplayName,
    ModelKind Kind,
    string HuggingFaceRepo,
    string FileName,
    string License,
    int ContextLength,
    long ApproximateSizeBytes,
    string? Sha256 = null,
    string Revision = "main")
{
    /// <summary>The download URL (<c>https://huggingface.co/&lt;repo&gt;/resolve/&lt;revision&gt;/&lt;file&gt;</c>).</summary>
    public Uri Url => ModelDownloader.HuggingFaceUrl(HuggingFaceRepo, FileName, Revision);
}

/// <summary>Chat models known to work with the LLamaSharp 0.30 engine (Q4_K_M GGUF, instruction-tuned).</summary>
public static class ModelCatalog
{
    /// <summary>All catalog entries.</summary>
    public static IReadOnlyList<ModelCatalogEntry> Entries { get; } =
    [
        new("qwen2.5-0.5b-instruct-q4km", "Qwen2.5 0.5B Instruct (Q4_K_M)", ModelKind.Chat,
            "Qwen/Qwen2.5-0.5B-Instruct-GGUF", "qwen2.5-0.5b-instruct-q4_k_m.gguf", "Apache-2.0", 32768, 491_000_000),
        new("qwen2.5-1.5b-instruct-q4km", "Qwen2.5 1.5B Instruct (Q4_K_M)", ModelKind.Chat,
            "Qwen/Qwen2.5-1.5B-Instruct-GGUF", "qwen2.5-1.5b-instruct-q4_k_m.gguf", "Apache-2.0", 32768, 1_120_000_000),
        // Qwen's own 7B GGUF repo splits Q4_K_M into two files; this community conversion is a single file.
        new("qwen2.5-7b-instruct-q4km", "Qwen2.5 7B Instruct (Q4_K_M)", ModelKind.Chat,
            "bartowski/Qwen2.5-7B-Instruct-GGUF", "Qwen2.5-7B-Instruct-Q4_K_M.gguf", "Apache-2.0", 32768, 4_680_000_000),
        // Meta publishes no GGUF; these are the widely used community conversions of the official weights.
        new("llama-3.2-1b-instruct-q4km", "Llama 3.2 1B Instruct (Q4_K_M)", ModelKind.Chat,
            "bartowski/Llama-3.2-1B-Instruct-GGUF", "Llama-3.2-1B-Instruct-Q4_K_M.gguf", "Llama 3.2 Community License", 131072, 808_000_000),
        new("llama-3.2-3b-instruct-q4km", "Llama 3.2 3B Instruct (Q4_K_M)", ModelKind.Chat,
            "bartowski/Llama-3.2-3B-Instruct-GGUF", "Llama-3.2-3B-Instruct-Q4_K_M.gguf", "Llama 3.2 Community License", 131072, 2_020_000_000),
    ];

    /// <summary>The entry with <paramref name="id"/>, or null.</summary>
    public static ModelCatalogEntry? Find(string id) =>
        Entries.FirstOrDefault(e => string.Equals(e.Id, id, StringComparison.OrdinalIgnoreCase));
}
