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

    /// <summary>Takes the model's defaults (size, steps, guidance) when a model is picked.</summary>
    public void ApplyModelDefaults(ImageModelChoice model)
    {
        ModelId = model.Id;
        Size = new SizePreset(model.DefaultWidth, model.DefaultHeight).Key;
        Steps = model.DefaultSteps;
        Guidance = model.DefaultGuidance;
    }

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
            NegativePrompt = NegativePrompt.Trim(),
            Width = size.Width,
            Height = size.Height,
            Steps = Steps,
            Guidance = Guidance,
            Scheduler = Scheduler,
            Seed = LockSeed ? Seed : null,
            BatchCount = BatchCount,
            InitImage = initImage,
            Strength = Strength,
            Mask = initImage is null ? null : mask,
        };
    }
}
