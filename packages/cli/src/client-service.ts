/**
 * `osw client service install|uninstall`: the service definition that runs `osw client start` under
 * systemd (Linux), launchd (macOS) or WinSW (Windows). Definitions are written where the operator
 * says, never into system folders; no secret goes into them (they are 0644): what the config takes
 * from the environment goes into a 0600 environment file the operator fills.
 */
import { realpathSync } from 'node:fs';
import { isSea } from 'node:sea';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientConfig } from '@osw/client';

export type ServicePlatform = 'linux' | 'macos' | 'windows';
export const SERVICE_PLATFORMS: readonly ServicePlatform[] = ['linux', 'macos', 'windows'];

/** The environment variables the client reads that hold secrets: their values are never written by osw. */
export const SECRET_ENV = new Set([
  'OSW_CLIENT_SECRET',
  'OSW_CLIENT_CARD_PIN',
  'OSW_CLIENT_STATUS_PASSWORD',
  'OSW_CLIENT_SIGNER_TOKEN',
  'OSW_CLIENT_SIGNER_PIN',
]);

/** The platform osw runs on, in the names the command takes. */
export function currentPlatform(): ServicePlatform {
  return process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'macos' : 'linux';
}

/**
 * The `osw` entry point this process was started from (the CLI's bin file), symlinks resolved; empty
 * in the single executable, which is its own entry point (the service runs `<executable> client start`).
 */
export function oswEntryPoint(): string {
  if (isSea()) return '';
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/osw.cjs');
  try {
    return realpathSync(bin);
  } catch {
    return bin;
  }
}

export interface ServiceInput {
  platform: ServicePlatform;
  /** the service's name (systemd unit and WinSW id without extension; launchd label) */
  name: string;
  config: ClientConfig;
  /** the configuration file, absolute */
  configFile: string;
  /** the node executable and the osw entry point, absolute (the single executable: itself, and no entry point) */
  node: string;
  entry: string;
  user?: string;
  /** the folder the definition is written into */
  outDir: string;
  /** the 0600 environment file the service reads, when the config takes values from the environment */
  envFile?: string;
}

export interface ServiceDefinition {
  /** file name of the definition (in the --out folder) */
  fileName: string;
  text: string;
  /** commands that install and start it */
  install: string[];
  /** commands that stop and remove it from the system */
  uninstall: string[];
  /** what the operator should know (an environment the service cannot read, …) */
  notes: string[];
}

/** The default name: `osw-client-<clientId>` (systemd, WinSW) or `cn.osw.client.<clientId>` (launchd). */
export function defaultServiceName(platform: ServicePlatform, clientId: string): string {
  return platform === 'macos' ? `cn.osw.client.${clientId}` : `osw-client-${clientId}`;
}

export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/;

/** Seconds the service manager waits after SIGTERM before it kills: the client's grace and 15 s to close. */
export function stopTimeoutSeconds(config: ClientConfig): number {
  return Math.ceil(config.shutdownGraceMs / 1000) + 15;
}

/** Folders the client writes: ImpPath, the config's folder (a rewritten config), logs, business roots, the card's folder. */
export function writablePaths(config: ClientConfig, configFile: string): string[] {
  const all = [
    config.impPath,
    path.dirname(configFile),
    config.logDir ?? path.join(path.dirname(configFile), 'logs'),
    ...Object.values(config.businesses).flatMap((b) => (b?.root ? [b.root] : [])),
    ...(config.card ? [path.dirname(config.card.file)] : []),
  ].map((p) => path.resolve(p));
  const inside = (p: string, dir: string) => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
  const unique = [...new Set(all)];
  return unique.filter((p) => !unique.some((q) => q !== p && inside(p, q)));
}

/** A systemd argument or path in double quotes (`%` is a specifier, `\` and `"` are escaped). */
function systemdQuote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** A POSIX shell word. */
function shQuote(s: string): string {
  return /^[A-Za-z0-9_./:@=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** the entry point as the executable's first argument: none for the single executable */
function entryArgs(i: ServiceInput): string[] {
  return i.entry ? [i.entry] : [];
}

/** A Windows command-line argument (CommandLineToArgvW rules). */
function winQuote(s: string): string {
  if (s && !/[\s"]/.test(s)) return s;
  return `"${s.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

function systemdUnit(i: ServiceInput): ServiceDefinition {
  const fileName = `${i.name}.service`;
  const grace = stopTimeoutSeconds(i.config);
  const exec = [i.node, ...entryArgs(i), 'client', 'start', '--config', i.configFile].map(systemdQuote).join(' ');
  const lines = [
    '# written by osw client service install: no secret belongs here (the file is world-readable)',
    '[Unit]',
    `Description=open-single-window import client ${i.config.clientId} (${i.config.environment})`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    ...(i.user ? [`User=${i.user}`] : []),
    `WorkingDirectory=${path.dirname(i.configFile).replace(/%/g, '%%')}`,
    `ExecStart=${exec}`,
    ...(i.envFile ? [`EnvironmentFile=${i.envFile.replace(/%/g, '%%')}`] : []),
    // PrivateTmp hides /tmp, where the one-environment-per-machine lock lives by default: every service shares this one
    'StateDirectory=osw-client',
    'Environment=OSW_CLIENT_LOCK_DIR=/var/lib/osw-client/environments',
    'Restart=on-failure',
    'RestartSec=10',
    'KillSignal=SIGTERM',
    'KillMode=mixed',
    `TimeoutStopSec=${grace}`,
    'NoNewPrivileges=yes',
    'PrivateTmp=yes',
    'ProtectSystem=full',
    `ReadWritePaths=${writablePaths(i.config, i.configFile).map(systemdQuote).join(' ')}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return {
    fileName,
    text: lines.join('\n'),
    install: [
      `sudo cp ${shQuote(path.join(i.outDir, fileName))} /etc/systemd/system/ && sudo systemctl daemon-reload && sudo systemctl enable --now ${i.name}`,
    ],
    uninstall: [`sudo systemctl disable --now ${i.name}`, `sudo rm /etc/systemd/system/${fileName} && sudo systemctl daemon-reload`],
    notes: [`logs: ${i.config.logDir} (start-up errors: journalctl -u ${i.name})`],
  };
}

function launchdPlist(i: ServiceInput): ServiceDefinition {
  const fileName = `${i.name}.plist`;
  const logDir = i.config.logDir ?? path.join(path.dirname(i.configFile), 'logs');
  const start = [i.node, ...entryArgs(i), 'client', 'start', '--config', i.configFile];
  // launchd has no environment file: a shell reads the 0600 file, then becomes the client
  const args = i.envFile ? ['/bin/sh', '-c', 'set -a && . "$0" && set +a && exec "$@"', i.envFile, ...start] : start;
  const str = (s: string) => `<string>${xmlEscape(s)}</string>`;
  const text = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- written by osw client service install: no secret belongs here (the file is world-readable) -->
<plist version="1.0">
<dict>
  <key>Label</key>
  ${str(i.name)}
  <key>ProgramArguments</key>
  <array>
${args.map((a) => `    ${str(a)}`).join('\n')}
  </array>
  <key>WorkingDirectory</key>
  ${str(path.dirname(i.configFile))}
${i.user ? `  <key>UserName</key>\n  ${str(i.user)}\n` : ''}  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>10</integer>
  <key>ExitTimeOut</key>
  <integer>${stopTimeoutSeconds(i.config)}</integer>
  <key>StandardOutPath</key>
  ${str(path.join(logDir, 'service.out.log'))}
  <key>StandardErrorPath</key>
  ${str(path.join(logDir, 'service.err.log'))}
</dict>
</plist>
`;
  const target = `/Library/LaunchDaemons/${fileName}`;
  return {
    fileName,
    text,
    install: [
      `sudo cp ${shQuote(path.join(i.outDir, fileName))} ${target} && sudo chown root:wheel ${target} && sudo chmod 644 ${target} && sudo launchctl bootstrap system ${target}`,
    ],
    uninstall: [`sudo launchctl bootout system/${i.name}`, `sudo rm ${target}`],
    notes: [`logs: ${logDir} (the service's own output: service.out.log, service.err.log)`],
  };
}

function winswXml(i: ServiceInput, envNames: readonly string[]): ServiceDefinition {
  const fileName = `${i.name}.xml`;
  const xml = winQuote(path.join(i.outDir, fileName));
  const logDir = i.config.logDir ?? path.join(path.dirname(i.configFile), 'logs');
  const args = [...entryArgs(i), 'client', 'start', '--config', i.configFile].map(winQuote).join(' ');
  const text = `<!-- written by osw client service install: no secret belongs here (the file is world-readable) -->
<service>
  <id>${xmlEscape(i.name)}</id>
  <name>${xmlEscape(`osw import client ${i.config.clientId}`)}</name>
  <description>${xmlEscape(`open-single-window import client ${i.config.clientId} (${i.config.environment})`)}</description>
  <executable>${xmlEscape(i.node)}</executable>
  <arguments>${xmlEscape(args)}</arguments>
  <workingdirectory>${xmlEscape(path.dirname(i.configFile))}</workingdirectory>
  <startmode>Automatic</startmode>
  <stoptimeout>${stopTimeoutSeconds(i.config)} sec</stoptimeout>
  <onfailure action="restart" delay="10 sec"/>
  <resetfailure>1 hour</resetfailure>
  <logpath>${xmlEscape(logDir)}</logpath>
  <log mode="roll"/>
</service>
`;
  return {
    fileName,
    text,
    install: [`winsw install ${xml}${i.user ? ` --username ${winQuote(i.user)} --password <its password>` : ''}`, `winsw start ${xml}`],
    uninstall: [`winsw stop ${xml}`, `winsw uninstall ${xml}`],
    notes: [
      `logs: ${logDir} (WinSW adds ${i.name}.out.log and ${i.name}.err.log)`,
      ...(envNames.length
        ? [
            `WinSW reads no environment file: the service will not see ${envNames.join(', ')}; keep those values in the config file (readable by the service account only) instead`,
          ]
        : []),
    ],
  };
}

export function serviceDefinition(i: ServiceInput, envNames: readonly string[] = []): ServiceDefinition {
  if (i.platform === 'linux') return systemdUnit(i);
  if (i.platform === 'macos') return launchdPlist(i);
  return winswXml(i, envNames);
}

/** The 0600 environment file: non-secret values as they are now, secrets left for the operator to fill. */
export function environmentFileText(names: readonly string[], env: NodeJS.ProcessEnv): string {
  return (
    '# read by the osw client service: keep this file 0600. Fill in the empty values.\n' +
    names.map((n) => `${n}=${SECRET_ENV.has(n) || !env[n] ? '' : shQuote(env[n])}`).join('\n') +
    '\n'
  );
}
