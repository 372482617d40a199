// User-assigned managed identity of the function app. One identity is used for everything the app
// touches (host storage, output storage, Key Vault references, App Insights ingestion and, in
// `federated` mode, the client assertion towards the Office 365 app registration), so its client id
// and principal id are known before the app exists and role assignments can be made up front.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
