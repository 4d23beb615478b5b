using Microsoft.Extensions.Options;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Images;

namespace PromptLeo.Tests.Web.Images;

public sealed class PngTextChunkTests
{
    [Fact]
    public void Insert_Latin1Text_AddsTextChunkAfterHeaderAndKeepsPixels()
    {
        var png = TestImages.Gradient(16, 8);

        var tagged = PngTextChunk.Insert(png, "parameters", "a café\nSteps: 2");

        Assert.Equal(["IHDR", "tEXt"], TestImages.ChunkTypes(tagged).Take(2));
        Assert.Equal("a café\nSteps: 2", PngTextChunk.Read(tagged, "parameters"));
        Assert.Equal(TestImages.Pixels(png), TestImages.Pixels(tagged));
    }

    [Fact]
    public void Insert_NonLatin1Text_UsesInternationalTextChunk()
    {
        var tagged = PngTextChunk.Insert(TestImages.Gradient(8, 8), "parameters", "猫 on the sea ✓");

        Assert.Contains("iTXt", TestImages.ChunkTypes(tagged));
        Assert.Equal("猫 on the sea ✓", PngTextChunk.Read(tagged, "parameters"));
        using var decoded = TestImages.Decode(tagged);
    }

    [Fact]
    public void Insert_NotAPng_Throws()
    {
        Assert.Throws<InvalidDataException>(() => PngTextChunk.Insert([1, 2, 3], "parameters", "x"));
    }
}

public sealed class ImageParametersTests
{
    [Fact]
    public void ToA1111_WritesPromptNegativeAndSettingsLine()
    {
        var parameters = new ImageParameters
        {
            Prompt = "a dog", NegativePrompt = "ugly", Steps = 20, Guidance = 7.5f, Scheduler = SchedulerKind.EulerAncestral, Seed = 123, Strength = 0.6f,
        };

        Assert.Equal("a dog\nNegative prompt: ugly\nSteps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 123, Size: 512x768, Model: m1, Denoising strength: 0.6",
            parameters.ToA1111("m1", 512, 768));
    }

    [Fact]
    public void Json_RoundTrips()
    {
        var parameters = new ImageParameters { Prompt = "ä ö ü", Steps = 3, Guidance = 1.5f, Scheduler = SchedulerKind.Lcm, Seed = long.MaxValue };

        Assert.Equal(parameters, ImageParameters.FromJson(parameters.ToJson()));
    }
}

public sealed class StudioFormTests
{
    [Fact]
    public void ApplyParameters_ThenToRequest_ReproducesTheImage()
    {
        var item = new GalleryItem(Guid.NewGuid(), "img2img", "demo-sd-tiny", 512, 768, 1000, DateTimeOffset.UtcNow,
            new ImageParameters { Prompt = "a cat", NegativePrompt = "blurry", Steps = 12, Guidance = 4f, Scheduler = SchedulerKind.Ddim, Seed = 99, Strength = 0.4f });
        var form = new StudioForm { BatchCount = 2 };

        form.ApplyParameters(item);
        var request = form.ToRequest();

        Assert.Equal(("demo-sd-tiny", "a cat", "blurry", 512, 768, 12, 4f, SchedulerKind.Ddim, (long?)99, 0.4f),
            (request.ModelId, request.Prompt, request.NegativePrompt, request.Width, request.Height, request.Steps, request.Guidance, request.Scheduler, request.Seed, request.Strength));
    }

    [Fact]
    public void ToRequest_UnlockedSeed_AsksForRandomSeed()
    {
        var form = new StudioForm { ModelId = "m", Prompt = "  a tree \n", Seed = 5, LockSeed = false };

        var request = form.ToRequest();

        Assert.Null(request.Seed);
        Assert.Equal("a tree", request.Prompt);
    }

    // SD-Turbo: 1 step by default, at most 4, no guidance and so no negative prompt, text-to-image only here.
    private static readonly ImageModelCapabilities Turbo = new(ImageModelFamily.StableDiffusion, ImageToImage: false, Inpainting: false,
        NegativePrompt: false, Guidance: false, 512, 512, DefaultSteps: 1, MaxSteps: 4, DefaultGuidance: 0f, [SchedulerKind.Euler, SchedulerKind.Lcm], "float16");

    [Fact]
    public void ToRequest_FieldsTheModelHides_AreNotSent()
    {
        var form = new StudioForm { Prompt = "a cat", NegativePrompt = "blurry", Guidance = 9f };
        form.ApplyModelDefaults("turbo", Turbo);
        form.NegativePrompt = "left over from another model";
        form.Guidance = 9f;

        var request = form.ToRequest(initImage: TestImages.Gradient(8, 8), mask: TestImages.RightHalfMask(8, 8));

        Assert.Equal(("turbo", 512, 512, 1, SchedulerKind.Euler), (request.ModelId, request.Width, request.Height, request.Steps, request.Scheduler));
        Assert.Equal(("", 0f), (request.NegativePrompt, request.Guidance));
        Assert.Null(request.InitImage);
        Assert.Null(request.Mask);
    }

    [Fact]
    public void FitTo_ReusedParametersBeyondTheModel_ClampsStepsAndPicksItsScheduler()
    {
        var form = new StudioForm { Steps = 30, Scheduler = SchedulerKind.Ddim };

        form.FitTo(Turbo);

        Assert.Equal((4, SchedulerKind.Euler, 4), (form.Steps, form.Scheduler, form.MaxSteps(150)));
    }

    [Fact]
    public void SizePresetFor_NativeSizeNotInTheMenu_IsAddedInOrder()
    {
        var menu = SizePreset.For(Turbo with { DefaultWidth = 640, DefaultHeight = 640 });

        Assert.Contains(new SizePreset(640, 640), menu);
        Assert.Equal(menu.OrderBy(p => p.Width * p.Height).ThenBy(p => p.Width), menu);
        Assert.Same(SizePreset.All, SizePreset.For(Turbo));
    }
}

public sealed class ImageUploadValidatorTests
{
    private readonly ImageUploadValidator validator = new(Options.Create(new ImagesOptions { MaxUploadBytes = 100_000, MaxUploadPixelsPerSide = 64 }));

    [Fact]
    public void Validate_Png_ReturnsDimensions()
    {
        var upload = validator.Validate(TestImages.Gradient(40, 20));

        Assert.Equal((40, 20), (upload.Width, upload.Height));
    }

    [Theory]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 1, 2, 3 }, StudioProblem.NotAnImage)]
    [InlineData(new byte[] { 0x3C, 0x73, 0x76, 0x67, 0x3E }, StudioProblem.NotAnImage)]
    public void Validate_NotAnImage_IsRejected(byte[] bytes, StudioProblem problem)
    {
        Assert.Equal(problem, Assert.Throws<ImageStudioException>(() => validator.Validate(bytes)).Problem);
    }

    [Fact]
    public void Validate_TooManyBytesOrPixels_IsRejectedAsTooLarge()
    {
        Assert.Equal(StudioProblem.UploadTooLarge, Assert.Throws<ImageStudioException>(() => validator.Validate(new byte[100_001])).Problem);
        Assert.Equal(StudioProblem.UploadTooLarge, Assert.Throws<ImageStudioException>(() => validator.Validate(TestImages.Gradient(65, 8))).Problem);
    }
}
