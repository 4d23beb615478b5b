namespace PromptLeo.Web.Resources;

/// <summary>Marker for the portal's shared strings (layout, pages). Keys are the English text.</summary>
public sealed class SharedResource;

/// <summary>Marker for the account pages' strings. Keys are the English text.</summary>
public sealed class AccountResource;

/// <summary>Marker for the Privacy Center's strings. Keys are the English text.</summary>
public sealed class PrivacyResource;
