/** The Telephony.io preset over the one transport, built from the settings of contract section 1 (as before presets). */
import type { Secret } from '../config/secret.js';
import { telephonyIo } from '../providers/telephony-io.js';
import { BalanceClient, type BalanceClientOptions } from './client.js';

export interface TelephonyClientOptions extends Omit<BalanceClientOptions, 'endpoint'> {
  balancePath: string;
  balanceField: string;
  currencyField: string;
  apiKey: Secret;
}

/** The Telephony.io preset over the transport, from the settings of contract section 1. */
export class TelephonyClient extends BalanceClient {
  constructor(opts: TelephonyClientOptions) {
    const { balancePath, balanceField, currencyField, apiKey, ...rest } = opts;
    super({ ...rest, endpoint: telephonyIo.endpoint({ baseUrl: opts.baseUrl, balancePath, balanceField, currencyField, credentials: { api_key: apiKey } }) });
  }
}
