// Log alerts (Microsoft.Insights/scheduledQueryRules) on the app's Application Insights data, and an
// optional e-mail action group. Why log alerts rather than storage metrics: the storage account's
// QueueMessageCount metric is per account (no per-queue dimension) and is emitted about once an
// hour, so it can neither isolate the poison queue nor alert in time. The processor logs an error
// on a message's last attempt and the Functions host logs a warning when it moves the message to
// "<queue>-poison" ("Message has reached MaxDequeueCount of N. Moving message to queue '…'."):
// both are per message and immediate.
// See docs/deploy.md "Alerts" for what each alert means and what to do.

@description('Prefix of the alert rule names.')
param namePrefix string

@description('Azure region of the alert rules (same as Application Insights).')
param location string

@description('Tags applied to the rules.')
param tags object = {}

@description('Resource id of the Application Insights component the rules query.')
param appInsightsId string

@description('Name of the poison queue (O365_QUEUE_NAME + "-poison").')
param poisonQueueName string

@description('E-mail address notified by the alerts; empty = rules without an action group.')
param alertEmail string = ''

@description('Failed function invocations in 15 minutes above which the failure alert fires.')
@minValue(0)
param failureThreshold int = 5

@description('Enumerator lag in minutes (lagMinutes of the enumerate.summary event) above which the lag alert fires.')
@minValue(1)
param lagThresholdMinutes int = 120

@description('Minutes without any enumerate.summary event after which the enumerator is reported silent.')
@allowed([30, 60, 120, 360, 1440])
param silenceMinutes int = 30

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: '${namePrefix}-alerts'
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'o365alerts'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroups = empty(alertEmail) ? [] : [actionGroup.id]

// Two signals of the same event, either is enough: the processor's own error line on the last
// attempt (`content.attempt_failed` with `"lastAttempt":true`, JSON logged as the trace message)
// and the host's warning when it moves the message. `has` matches whole terms only, so names with
// punctuation are matched with `contains`.
var poisonQuery = format(
  '''
union isfuzzy=true
  (traces | where message has "MaxDequeueCount" and message contains "{0}"),
  (traces | where message contains "content.attempt_failed" and message contains "\"lastAttempt\":true")
''',
  poisonQueueName
)

var failureQuery = '''
requests
| where success == false
| project timestamp, operation_Name, resultCode, id
'''

// The enumerator logs one `enumerate.summary` line per run with a numeric `lagMinutes` field (the
// largest lag over the content types). The product logger writes JSON lines, which arrive as the
// trace message; a custom event of the same name is accepted too.
var lagQuery = '''
union isfuzzy=true
  (customEvents
    | where name == "enumerate.summary"
    | extend lagMinutes = todouble(coalesce(customMeasurements["lagMinutes"], customDimensions["lagMinutes"]))),
  (traces
    | where message contains "enumerate.summary"
    | extend j = parse_json(message)
    | where tostring(j["event"]) == "enumerate.summary"
    | extend lagMinutes = todouble(coalesce(customDimensions["lagMinutes"], j["lagMinutes"])))
| where isnotnull(lagMinutes)
| summarize maxLagMinutes = max(lagMinutes) by bin(timestamp, 5m)
'''

var silenceQuery = '''
union isfuzzy=true
  (customEvents | where name == "enumerate.summary"),
  (traces | where message contains "enumerate.summary")
'''

resource poisonAlert 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: '${namePrefix}-poison-messages'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'O365 pipeline: content messages moved to the poison queue'
    description: 'A content blob failed processing maxDequeueCount times and its message was moved to ${poisonQueueName}. Inspect with `status`, fix the cause, then `poison replay`.'
    severity: 1
    enabled: true
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    scopes: [
      appInsightsId
    ]
    criteria: {
      allOf: [
        {
          query: poisonQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroups
    }
  }
}

resource failureAlert 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: '${namePrefix}-function-failures'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'O365 pipeline: function invocations failing'
    description: 'More than ${failureThreshold} failed function invocations in 15 minutes (enumerator, content processor or HTTP functions).'
    severity: 2
    enabled: true
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    scopes: [
      appInsightsId
    ]
    criteria: {
      allOf: [
        {
          query: failureQuery
          timeAggregation: 'Count'
          dimensions: [
            {
              name: 'operation_Name'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: failureThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroups
    }
  }
}

resource lagAlert 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: '${namePrefix}-enumerator-lag'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'O365 pipeline: enumerator falling behind'
    description: 'The enumerator reports lagMinutes above ${lagThresholdMinutes}: listing is behind real time and approaches the 7-day horizon of the Management API.'
    severity: 2
    enabled: true
    evaluationFrequency: 'PT15M'
    windowSize: 'PT30M'
    scopes: [
      appInsightsId
    ]
    criteria: {
      allOf: [
        {
          query: lagQuery
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'maxLagMinutes'
          operator: 'GreaterThan'
          threshold: lagThresholdMinutes
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroups
    }
  }
}

resource silenceAlert 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = {
  name: '${namePrefix}-enumerator-silent'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'O365 pipeline: enumerator not reporting'
    description: 'No enumerate.summary event for ${silenceMinutes} minutes: the timer is not running or the app cannot start (check configuration errors in traces).'
    severity: 1
    enabled: true
    evaluationFrequency: 'PT15M'
    windowSize: 'PT${silenceMinutes}M'
    scopes: [
      appInsightsId
    ]
    criteria: {
      allOf: [
        {
          query: silenceQuery
          timeAggregation: 'Count'
          operator: 'LessThan'
          threshold: 1
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroups
    }
  }
}

output poisonAlertId string = poisonAlert.id
output failureAlertId string = failureAlert.id
output lagAlertId string = lagAlert.id
output silenceAlertId string = silenceAlert.id
