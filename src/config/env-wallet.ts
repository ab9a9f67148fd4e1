/**
 * The environment's single wallet (contract section 2) as a one-wallet file: its variables are mapped to
 * the file's keys and validated by the same schema (wallet.ts); problems come back under the variable's name.
 */
import type { WalletSettings } from './settings.js';
import { parseWallet, type RawWallet, type RuleTuning, type WalletKey } from './wallet.js';

/** The variable that sets each wallet key (`provider` and `labels` have none: use WALLETS_FILE). */
export const WALLET_VARS: Partial<Record<WalletKey, string>> = {
  name: 'ACCOUNT_NAME',
  api_url: 'TELEPHONY_API_URL',
  balance_path: 'TELEPHONY_BALANCE_PATH',
  balance_field: 'TELEPHONY_BALANCE_FIELD',
  currency_field: 'TELEPHONY_CURRENCY_FIELD',
  api_key: 'TELEPHONY_API_KEY',
  api_key_file: 'TELEPHONY_API_KEY_FILE',
  low_balance_threshold: 'LOW_BALANCE_THRESHOLD',
  critical_balance_threshold: 'CRITICAL_BALANCE_THRESHOLD',
  runway_warning_hours: 'RUNWAY_WARNING_HOURS',
  runway_critical_hours: 'RUNWAY_CRITICAL_HOURS',
};

const varOf = (key: WalletKey): string => WALLET_VARS[key] ?? key;

/** `emptyInEnv`: variables set to '' in the environment (unset, and hiding any value in .env): said in the problem. */
export function envWallet(
  vars: Record<string, string | undefined>,
  opts: { tuning: RuleTuning; requireApiKey: boolean; emptyInEnv: ReadonlySet<string> },
): { wallet: WalletSettings | undefined; problems: string[] } {
  const raw: RawWallet = {};
  for (const [key, name] of Object.entries(WALLET_VARS) as [WalletKey, string][]) raw[key] = vars[name];
  // A failed poll asks to check the variable the key came from: TELEPHONY_API_KEY_FILE when it was the file.
  const settingName = (key: WalletKey): string => (key === 'api_key' && raw.api_key_file !== undefined && raw.api_key === undefined ? WALLET_VARS.api_key_file! : varOf(key));
  const { wallet, problems } = parseWallet(raw, { tuning: opts.tuning, requireApiKey: opts.requireApiKey, keyName: varOf, settingName, defaultName: 'default' });
  return {
    wallet,
    problems: problems.map(({ key, message }) => {
      const name = varOf(key);
      const hint = opts.emptyInEnv.has(name) ? ' (it is set to an empty string in the environment, which counts as unset and hides any value in .env)' : '';
      return `${name}: ${message}${hint}`;
    }),
  };
}
