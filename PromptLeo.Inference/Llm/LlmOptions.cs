using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Inference.Llm;

/// <summary>The <c>Inference:Llm</c> configuration section.</summary>
public sealed class LlmOptions
{
    public const string SectionName = "Inference:Llm";

    /// <summary>
    /// Path of a llama.cpp shared library (<c>libllama.so</c> / <c>llama.dll</c>) to load instead of the CPU build
    /// shipped with LLamaSharp.Backend.Cpu, for example a CUDA build of the same llama.cpp version. Empty = CPU backend.
    /// </summary>
    public string? NativeLibraryPath { get; set; }

    /// <summary>Layers offloaded to the GPU (needs a GPU build in <see cref="NativeLibraryPath"/>); 0 = CPU only.</summary>
    [Range(0, 1000)]
    public int GpuLayerCount { get; set; }

    /// <summary>KV-cache cells per loaded model, shared by all its active conversations; 0 = the model's trained context.</summary>
    [Range(0, 1 << 20)]
    public int ContextSize { get; set; } = 4096;

    /// <summary>Conversations decoded together in one batch per model.</summary>
    [Range(1, 256)]
    public int MaxParallelSequences { get; set; } = 8;

    /// <summary>Requests that may wait per model beyond the active ones; more are refused with <see cref="EngineBusyException"/>.</summary>
    [Range(0, 100_000)]
    public int MaxQueueLength { get; set; } = 32;

    /// <summary>Upper bound for <see cref="SamplingOptions.MaxTokens"/>.</summary>
    [Range(1, 1 << 20)]
    public int MaxTokensLimit { get; set; } = 4096;

    /// <summary>CPU threads for decoding; null = llama.cpp's default.</summary>
    [Range(1, 1024)]
    public int? Threads { get; set; }

    /// <summary>Logical batch size (tokens per decode call); long prompts are split into batches of this size.</summary>
    [Range(32, 1 << 16)]
    public int BatchSize { get; set; } = 512;

    /// <summary>
    /// Map the GGUF file instead of reading it into memory. Off by default: a mapped file that is truncated or
    /// overwritten while loaded crashes the process (SIGBUS) or silently changes the weights in use; read into
    /// memory, a loaded model is immune and the registry marks it failed when it notices the change.
    /// </summary>
    public bool UseMemoryMap { get; set; }

    /// <summary>
    /// Finished conversations kept in the KV cache per model, so that a follow-up of the same cache scope evaluates
    /// only its new tokens; 0 = no prompt cache. Each one holds a sequence id beside <see cref="MaxParallelSequences"/>.
    /// </summary>
    [Range(0, 128)]
    public int PromptCacheMaxEntries { get; set; } = 32;

    /// <summary>KV-cache bytes the kept conversations may hold per model (least recently used go first).</summary>
    [Range(0, long.MaxValue)]
    public long PromptCacheMaxBytes { get; set; } = 512L << 20;

    /// <summary>Retry-After hint given with <see cref="EngineBusyException"/>.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 2;
}
