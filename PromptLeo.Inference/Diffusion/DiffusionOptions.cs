using System.ComponentModel.DataAnnotations;

namespace PromptLeo.Inference.Diffusion;

/// <summary>ONNX Runtime graph optimisation level, as named in configuration.</summary>
public enum OnnxOptimizationLevel
{
    /// <summary>No graph optimisation.</summary>
    Disabled,
    /// <summary>Basic (constant folding, redundant node removal).</summary>
    Basic,
    /// <summary>Extended (operator fusions).</summary>
    Extended,
    /// <summary>All, including layout optimisations. The default.</summary>
    All,
}

/// <summary>The <c>Inference:Diffusion</c> configuration section: ONNX Runtime session settings and request limits.</summary>
public sealed class DiffusionOptions
{
    /// <summary>Configuration section this class binds to.</summary>
    public const string SectionName = "Inference:Diffusion";

    /// <summary>Threads ONNX Runtime uses inside one operator. 0 lets ONNX Runtime pick (one per physical core).</summary>
    [Range(0, 1024)]
    public int IntraOpThreads { get; set; }

    /// <summary>Graph optimisation level applied when a session is created.</summary>
    public OnnxOptimizationLevel OptimizationLevel { get; set; } = OnnxOptimizationLevel.All;

    /// <summary>Use ONNX Runtime's CPU memory arena (faster repeated runs, memory is kept after a run).</summary>
    public bool EnableMemoryArena { get; set; } = true;

    /// <summary>
    /// Let ONNX Runtime's intra-op threads spin between operators. Off by default: spinning threads compete with the
    /// pipeline's own work between UNet calls and with other tenants on small hosts.
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>Largest number of images one request may ask for.</summary>
    [Range(1, 16)]
    public int MaxBatchSize { get; set; } = 4;

    /// <summary>Smallest accepted width and height in pixels.</summary>
    [Range(8, 4096)]
    public int MinSize { get; set; } = 64;

    /// <summary>Largest accepted width in pixels.</summary>
    [Range(8, 4096)]
    public int MaxWidth { get; set; } = 1024;

    /// <summary>Largest accepted height in pixels.</summary>
    [Range(8, 4096)]
    public int MaxHeight { get; set; } = 1024;

    /// <summary>Largest accepted number of denoising steps.</summary>
    [Range(1, 1000)]
    public int MaxSteps { get; set; } = 150;

    /// <summary>Largest accepted encoded upload (init image, mask, background-removal input) in bytes.</summary>
    [Range(1, int.MaxValue)]
    public int MaxUploadBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Largest accepted decoded upload in pixels per side; guards against decompression bombs.</summary>
    [Range(8, 16384)]
    public int MaxUploadPixelsPerSide { get; set; } = 4096;

    /// <summary>Generations running at the same time across all models; further requests wait.</summary>
    [Range(1, 64)]
    public int MaxConcurrentGenerations { get; set; } = 1;
}
