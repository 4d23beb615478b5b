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
