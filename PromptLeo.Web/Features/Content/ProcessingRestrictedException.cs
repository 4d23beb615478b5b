namespace PromptLeo.Web.Features.Content;

/// <summary>The account's processing is restricted (Art. 18) or the account is gone; no inference may run.</summary>
public sealed class ProcessingRestrictedException(string message) : Exception(message);
