namespace PromptLeo.Web.Resources;

/// <summary>Marker for the billing page and billing e-mails. Keys are the English text.</summary>
public sealed class BillingResource;

/// <summary>Marker for the API keys page. Keys are the English text.</summary>
public sealed class ApiKeysResource;
