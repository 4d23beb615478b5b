using Microsoft.Extensions.Localization;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Images;

/// <summary>Turns what the studio service throws into a message for the person at the screen, in their language.</summary>
public static class StudioErrorMessages
{
    /// <summary>The localized message, or null for an error the page should log as unexpected.</summary>
    public static LocalizedString? Describe(Exception error, IStringLocalizer<ImagesResource> T, ImagesOptions images, DiffusionOptions engine) => error switch
    {
        ImageStudioException { Problem: StudioProblem.PromptTooLong } => T["The prompt is too long: at most {0} characters are allowed.", images.MaxPromptLength],
        ImageStudioException { Problem: StudioProblem.UploadTooLarge } => T["The image is too large: at most {0} MB and {1} pixels per side are accepted.", Megabytes(images.MaxUploadBytes), images.MaxUploadPixelsPerSide],
        ImageStudioException { Problem: StudioProblem.NotAnImage } => T["That file is not an image. Please upload a PNG, JPEG or WebP picture."],
        ImageRequestException { Field: "Width" or "Height" } => T["This size is not possible: width and height must be multiples of 8 between {0} and {1} pixels.", engine.MinSize, Math.Min(engine.MaxWidth, engine.MaxHeight)],
        ImageRequestException { Field: "Steps" } => T["Steps must be between 1 and {0}.", engine.MaxSteps],
        ImageRequestException { Field: "GuidanceScale" } => T["Guidance must be 0 or more."],
        ImageRequestException { Field: "BatchSize" } => T["You can generate between 1 and {0} images at a time.", engine.MaxBatchSize],
        ImageRequestException { Field: "Strength" } => T["Strength must be more than 0 and at most 1."],
        ImageRequestException { Field: "Prompt" } => T["Please describe the image you want."],
        ImageRequestException { Field: "InitImage" or "Mask" or "image" } => T["That file is not an image. Please upload a PNG, JPEG or WebP picture."],
        ImageRequestException { Field: "ModelId" or "modelId" } => T["Please pick a model for this task."],
        ImageRequestException other => T["The request was rejected ({0}).", other.Field],
        Models.ModelDisabledException disabled => T["The model {0} has been disabled by an administrator. Please pick another model.", disabled.ModelId],
        ModelNotFoundException missing => T["The model {0} is no longer installed. Please pick another model.", missing.ModelId],
        ModelLoadException => T["The model could not be loaded. Please pick another model or ask an administrator."],
        ProcessingRestrictedException => T["Processing is restricted for your account (Art. 18 GDPR). Lift the restriction in the Privacy Center to generate images."],
        // The refusal names the cap that was hit; its English text is the resource key.
        BudgetExceededException budget => new LocalizedString(budget.Message, $"{T["Your budget does not cover this request. Generate fewer or smaller images, or top up your balance."]} {T[budget.Message]}"),
        EngineBusyException busy => T["The image engine is busy (or you already have a job running). Please try again in {0} seconds.", (int)busy.RetryAfter.TotalSeconds],
        ContentUnavailableException => T["This image can no longer be read."],
        _ when StorageFaults.IsStorageFull(error) => T["The image could not be saved because the server is out of storage space. Nothing was charged; please try again later."],
        _ => null,
    };

    private static string Megabytes(int bytes) => (bytes / 1024d / 1024d).ToString("0.#", System.Globalization.CultureInfo.CurrentCulture);
}
