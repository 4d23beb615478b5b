namespace PromptLeo.Web.Features.Billing;

/// <summary>The budget refuses the request (HTTP 402 on the API).</summary>
public sealed class BudgetExceededException(string message) : Exception(message);
