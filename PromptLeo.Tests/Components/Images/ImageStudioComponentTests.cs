using System.Globalization;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using MudBlazor.Services;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Resources;

namespace PromptLeo.Tests.Components.Images;

public sealed class ImageStudioComponentTests : BunitContext
{
    public ImageStudioComponentTests()
    {
        Services.AddMudServices();
        Services.AddLocalization();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void GenerationProgress_MidBatch_ShowsStepPercentAndPreview()
    {
        var preview = TestImages.Gradient(8, 8);
        var cut = Render<GenerationProgress>(p => p.Add(x => x.Progress, new StudioProgress(2, 2, 5, 10, preview)));

        Assert.Equal("Image 2 of 2 · step 5 of 10", cut.Find("#image-progress-text").TextContent.Trim());
        Assert.Equal("75", cut.Find("#image-progress").GetAttribute("data-percent"));
        Assert.StartsWith("data:image/png;base64,", cut.Find("#image-preview").GetAttribute("src"));
    }

    [Fact]
    public void GenerationProgress_BeforeFirstStep_IsIndeterminateWithoutPreview()
    {
        var cut = Render<GenerationProgress>();

        Assert.Contains("Preparing", cut.Find("#image-progress-text").TextContent);
        Assert.Empty(cut.FindAll("#image-preview"));
    }

    [Fact]
    public void GenerationProgress_CancelClicked_InvokesCallback()
    {
        var cancelled = 0;
        var cut = Render<GenerationProgress>(p => p
            .Add(x => x.Progress, new StudioProgress(1, 1, 1, 4, null))
            .Add(x => x.OnCancel, () => cancelled++));

        cut.Find("#image-cancel").Click();

        Assert.Equal(1, cancelled);
    }

    [Fact]
    public void GenerationProgress_WhileStopping_DisablesCancel()
    {
        var cut = Render<GenerationProgress>(p => p.Add(x => x.Cancelling, true));

        Assert.True(cut.Find("#image-cancel").HasAttribute("disabled"));
    }

    [Theory]
    [InlineData("en", "Waiting in the queue: 2 ahead of you")]
    [InlineData("de", "In der Warteschlange: 2 vor Ihnen")]
    public void GenerationProgress_WaitingInTheQueue_SaysHowManyJobsAreAhead(string culture, string expected)
    {
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            var cut = Render<GenerationProgress>(p => p.Add(x => x.Progress, new StudioProgress(1, 4, 0, 20, null) { JobsAhead = 2 }));

            Assert.Equal(expected, cut.Find("#image-progress-text").TextContent.Trim());
            Assert.NotNull(cut.Find("#image-cancel"));
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    [Fact]
    public void GenerationProgress_QueueEmptiedBeforeFirstStep_SaysPreparing()
    {
        var cut = Render<GenerationProgress>(p => p.Add(x => x.Progress, new StudioProgress(1, 1, 0, 20, null)));

        Assert.Contains("Preparing", cut.Find("#image-progress-text").TextContent);
    }

    [Fact]
    public void StudioFilePicker_RendersTheNativeInputBehindAThemedLabel()
    {
        var cut = Render<StudioFilePicker>(p => p.Add(x => x.Id, "image-init-upload").Add(x => x.Label, "Choose an image"));

        var input = cut.Find("input[type=file]");
        Assert.Equal(("image-init-upload", "Choose an image"), (input.Id, input.GetAttribute("aria-label")));
        Assert.Equal("image/png,image/jpeg,image/webp", input.GetAttribute("accept"));
        var label = cut.Find("label");
        Assert.Equal("image-init-upload", label.GetAttribute("for"));
        Assert.Contains("mud-button-outlined-primary", label.ClassList);
        Assert.Contains("Choose an image", label.TextContent);
    }

    public static TheoryData<Exception, string> Errors => new()
    {
        { new ImageStudioException(StudioProblem.PromptTooLong, "x"), "höchstens 2000 Zeichen" },
        { new ImageStudioException(StudioProblem.UploadTooLarge, "x"), "höchstens 10 MB" },
        { new ImageStudioException(StudioProblem.NotAnImage, "x"), "kein Bild" },
        { new ImageRequestException("Width", "x"), "Vielfache von 8" },
        { new ModelNotFoundException("gone-model"), "gone-model ist nicht mehr installiert" },
        { new PromptLeo.Web.Features.Models.ModelDisabledException("off-model"), "off-model wurde von der Administration deaktiviert" },
        { new ProcessingRestrictedException("x"), "Art. 18 DSGVO" },
        { new BudgetExceededException("x"), "Budget" },
        { new EngineBusyException("m", TimeSpan.FromSeconds(10)), "in 10 Sekunden" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void StudioErrorMessages_German_ExplainsEachProblem(Exception error, string expected)
    {
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo("de");
        try
        {
            var localizer = Services.GetRequiredService<IStringLocalizer<ImagesResource>>();

            var message = StudioErrorMessages.Describe(error, localizer, new ImagesOptions(), new DiffusionOptions());

            Assert.NotNull(message);
            Assert.False(message.ResourceNotFound, message.Name);
            Assert.Contains(expected, message.Value);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    [Fact]
    public void StudioErrorMessages_UnexpectedError_IsNullSoThePageLogsIt()
    {
        var localizer = Services.GetRequiredService<IStringLocalizer<ImagesResource>>();

        Assert.Null(StudioErrorMessages.Describe(new InvalidOperationException(), localizer, new ImagesOptions(), new DiffusionOptions()));
    }
}
