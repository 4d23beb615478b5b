using Microsoft.Extensions.Localization;
using MudBlazor;
using PromptLeo.Inference.Llm;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.Chat;

/// <summary>
/// What the chat page shows when a turn cannot start: a message (none for the user's own cancel) with its severity,
/// plus the page state the error changes (restriction notice, a model that is gone). <see cref="Unexpected"/> errors are logged.
/// </summary>
internal sealed record ChatStartError(string? Message, Severity Severity, string? RestrictedMessage = null, string? MissingModelId = null, bool Unexpected = false)
{
    public static ChatStartError From(Exception ex, IStringLocalizer<ChatResource> T) => ex switch
    {
        OperationCanceledException => new(null, Severity.Normal),
        ChatInputException input => new(T[input.Message], Severity.Warning),
        ProcessingRestrictedException restricted => Restricted(T["Your account may not use the models right now: {0}", T[restricted.Message]]),
        // The refusal names the cap that was hit (organization, member, key, prepaid credit); its English text is the resource key.
        BudgetExceededException budget => new(T["Your budget does not cover this request: {0}", T[budget.Message]], Severity.Error),
        Models.ModelDisabledException disabled => new(T["The model \"{0}\" has been disabled by an administrator. Your message was kept; choose another model.", disabled.ModelId], Severity.Error, MissingModelId: disabled.ModelId),
        ModelNotFoundException missing => new(T["The model \"{0}\" is no longer installed. Your message was kept; choose another model.", missing.ModelId], Severity.Error, MissingModelId: missing.ModelId),
        ModelLoadException => new(T["The model could not be loaded. Choose another model."], Severity.Error),
        EngineBusyException busy => new(T["The model is busy. Please try again in {0} seconds.", (int)Math.Ceiling(busy.RetryAfter.TotalSeconds)], Severity.Warning),
        Metering.InferenceProviderException => new(T["The inference node for this model is not available right now. Nothing was charged; please try again later."], Severity.Error),
        ChatRequestException invalid => new(T["Invalid setting {0}: {1}", invalid.Field, invalid.Message], Severity.Warning),
        _ => new(T["Something went wrong. Please try again."], Severity.Error, Unexpected: true),
    };

    private static ChatStartError Restricted(string message) => new(message, Severity.Error, RestrictedMessage: message);
}
