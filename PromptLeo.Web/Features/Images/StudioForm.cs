using PromptLeo.Inference.Diffusion;

namespace PromptLeo.Web.Features.Images;

/// <summary>A width × height choice of the size menu.</summary>
public sealed record SizePreset(int Width, int Height)
{
    public string Key => $"{Width}x{Height}";

    public static readonly IReadOnlyList<SizePreset> All =
        [new(256, 256), new(512, 512), new(512, 768), new(768, 512), new(768, 768), new(1024, 1024)];

    public static SizePreset Parse(string key)
    {
        var parts = key.Split('x');
        return new SizePreset(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The menu for a model: the usual sizes plus the model's native size when it is not among them.</summary>
    public static IReadOnlyList<SizePreset> For(ImageModelCapabilities? capabilities)
    {
        if (capabilities is null || All.Any(p => p.Width == capabilities.DefaultWidth && p.Height == capabilities.DefaultHeight))
        {
            return All;
        }

        return [.. All.Append(new SizePreset(capabilities.DefaultWidth, capabilities.DefaultHeight)).OrderBy(p => p.Width * p.Height).ThenBy(p => p.Width)];
    }
}

/// <summary>The studio form's state; turns into a <see cref="StudioRequest"/> and is filled back from a gallery image.</summary>
public sealed class StudioForm
{
    public string Prompt { get; set; } = "";
    public string NegativePrompt { get; set; } = "";
    public string? ModelId { get; set; }
    public string Size { get; set; } = "512x512";
    public int Steps { get; set; } = 20;
    public float Guidance { get; set; } = 7.5f;
    public SchedulerKind Scheduler { get; set; } = SchedulerKind.Euler;
    public bool LockSeed { get; set; }
    public long Seed { get; set; }
    public int BatchCount { get; set; } = 1;
    public float Strength { get; set; } = 0.75f;

    /// <summary>What the selected model can do; null until it was described (then every field is shown).</summary>
    public ImageModelCapabilities? Capabilities { get; private set; }

    /// <summary>Takes the model's defaults (size, steps, guidance, scheduler) when a model is picked.</summary>
    public void ApplyModelDefaults(string modelId, ImageModelCapabilities capabilities)
    {
        ModelId = modelId;
        Capabilities = capabilities;
        Size = new SizePreset(capabilities.DefaultWidth, capabilities.DefaultHeight).Key;
        Steps = capabilities.DefaultSteps;
        Guidance = capabilities.DefaultGuidance;
        Scheduler = capabilities.DefaultScheduler;
    }

    /// <summary>Selects a model that could not be described: every field is shown and the engine decides.</summary>
    public void SelectUndescribed(string modelId)
    {
        ModelId = modelId;
        Capabilities = null;
    }

    /// <summary>Keeps the values (reused from an image) but fits them to the model: steps within its maximum, a scheduler it lists.</summary>
    public void FitTo(ImageModelCapabilities capabilities)
    {
        Capabilities = capabilities;
        if (capabilities.MaxSteps is { } max && Steps > max)
        {
            Steps = max;
        }
        if (!capabilities.Schedulers.Contains(Scheduler))
        {
            Scheduler = capabilities.DefaultScheduler;
        }
    }

    /// <summary>The largest step count the slider offers: the engine's limit, or less for distilled models.</summary>
    public int MaxSteps(int engineMaxSteps) => Math.Min(engineMaxSteps, Capabilities?.MaxSteps ?? engineMaxSteps);

    /// <summary>"Reuse parameters": the prompt, settings and the exact seed of an earlier image.</summary>
    public void ApplyParameters(GalleryItem item)
    {
        var p = item.Parameters;
        Prompt = p.Prompt;
        NegativePrompt = p.NegativePrompt;
        ModelId = item.ModelId;
        Size = new SizePreset(item.Width, item.Height).Key;
        Steps = p.Steps;
        Guidance = p.Guidance;
        Scheduler = p.Scheduler;
        Seed = p.Seed;
        LockSeed = true;
        if (p.Strength is { } strength)
        {
            Strength = strength;
        }
    }

    public StudioRequest ToRequest(byte[]? initImage = null, byte[]? mask = null)
    {
        var size = SizePreset.Parse(Size);
        return new StudioRequest
        {
            ModelId = ModelId ?? "",
            Prompt = Prompt.Trim(),
            // A field the model does not use is hidden, so what it still holds must not reach the engine.
            NegativePrompt = Capabilities?.NegativePrompt == false ? "" : NegativePrompt.Trim(),
            Width = size.Width,
            Height = size.Height,
            Steps = Steps,
            Guidance = Capabilities is { Guidance: false } c ? c.DefaultGuidance : Guidance,
            Scheduler = Scheduler,
            Seed = LockSeed ? Seed : null,
            BatchCount = BatchCount,
            InitImage = Capabilities?.ImageToImage == false ? null : initImage,
            Strength = Strength,
            Mask = initImage is null || Capabilities?.Inpainting == false ? null : mask,
        };
    }
}
